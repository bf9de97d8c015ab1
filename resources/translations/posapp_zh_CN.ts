<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>Application</name>
        <message>
            <source>Something went wrong inside posapp. Payments already sent are safe in the journal; the details were written to the log.</source>
            <translation>posapp 内部出错。已发送的付款都已安全记入交易日志；详细信息已写入运行日志。</translation>
        </message>
        <message>
            <source>posapp cannot start</source>
            <translation>posapp 无法启动</translation>
        </message>
        <message>
            <source>Something went wrong (%1). The details are in the log.</source>
            <translation>出错了（%1）。详细信息见运行日志。</translation>
        </message>
    </context>
    <context>
        <name>AmountField</name>
        <message>
            <source>Enter an amount above zero</source>
            <translation>请输入大于零的金额</translation>
        </message>
    </context>
    <context>
        <name>ApprovedActionDialog</name>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
        <message>
            <source>Confirm</source>
            <translation>确认</translation>
        </message>
        <message>
            <source>Checking the PIN…</source>
            <translation>正在核对 PIN 码…</translation>
        </message>
        <message>
            <source>Writing it to the journal…</source>
            <translation>正在写入交易日志…</translation>
        </message>
        <message>
            <source>Sending to Antom…</source>
            <translation>正在发送给 Antom…</translation>
        </message>
        <message>
            <source>Reading the answer…</source>
            <translation>正在读取应答…</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <source>This did not work: {0}</source>
            <translation>操作未成功：{0}</translation>
        </message>
    </context>
    <context>
        <name>Till</name>
        <message>
            <source>Training sandbox at %1</source>
            <translation>培训沙箱位于 %1</translation>
        </message>
        <message>
            <source>Antom sandbox · %1</source>
            <translation>Antom 沙箱 · %1</translation>
        </message>
        <message>
            <source>Antom production · %1</source>
            <translation>Antom 生产环境 · %1</translation>
        </message>
        <message>
            <source>No answer from %1 — payments are settled when it is back</source>
            <translation>%1 无响应 — 恢复后将自动结算付款</translation>
        </message>
        <message>
            <source> · settling paused</source>
            <translation> · 结算已暂停</translation>
        </message>
        <message>
            <source>Training sandbox</source>
            <translation>培训沙箱</translation>
        </message>
        <message>
            <source>the sandbox is not running</source>
            <translation>沙箱未运行</translation>
        </message>
        <message>
            <source>Keys</source>
            <translation>密钥</translation>
        </message>
        <message>
            <source>no keys for %1 in the keyring: import them first</source>
            <translation>密钥环中没有 %1 的密钥：请先导入</translation>
        </message>
        <message>
            <source>Failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <source>Merchant private key</source>
            <translation>商户私钥</translation>
        </message>
        <message>
            <source>Antom public key</source>
            <translation>Antom 公钥</translation>
        </message>
        <message>
            <source>Signed request to the gateway</source>
            <translation>向网关发送签名请求</translation>
        </message>
        <message>
            <source>Answer signature</source>
            <translation>应答签名</translation>
        </message>
        <message>
            <source>verified with the Antom public key</source>
            <translation>已用 Antom 公钥验证</translation>
        </message>
        <message>
            <source>%1 (%2)</source>
            <translation>%1（%2）</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
    </context>
    <context>
        <name>BatchDialog</name>
        <message>
            <source>Capture all</source>
            <translation>全部请款</translation>
        </message>
        <message>
            <source>Capture 1 payment</source>
            <translation>请款 1 笔付款</translation>
        </message>
        <message>
            <source>Capture {0} payments</source>
            <translation>请款 {0} 笔付款</translation>
        </message>
        <message>
            <source>Capture the held amount of this payment?</source>
            <translation>对这笔付款请款已冻结的金额？</translation>
        </message>
        <message>
            <source>Capture the held amount of these {0} payments?</source>
            <translation>对这 {0} 笔付款请款已冻结的金额？</translation>
        </message>
        <message>
            <source>Cancel 1 payment</source>
            <translation>撤销 1 笔付款</translation>
        </message>
        <message>
            <source>Cancel {0} payments</source>
            <translation>撤销 {0} 笔付款</translation>
        </message>
        <message>
            <source>Release the hold of these {0} payments? Nothing is charged.</source>
            <translation>解除这 {0} 笔付款的冻结？不会扣款。</translation>
        </message>
        <message>
            <source>Cancel all</source>
            <translation>全部撤销</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>卡</translation>
        </message>
        <message>
            <source>Result</source>
            <translation>结果</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>等待中</translation>
        </message>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
        <message>
            <source>%v of %m</source>
            <translation>%v / %m</translation>
        </message>
        <message>
            <source>Retry failed</source>
            <translation>重试失败项</translation>
        </message>
        <message>
            <source>Working…</source>
            <translation>处理中…</translation>
        </message>
        <message>
            <source>{0} done</source>
            <translation>{0} 笔完成</translation>
        </message>
        <message>
            <source>{0} failed</source>
            <translation>{0} 笔失败</translation>
        </message>
        <message>
            <source>{0} still being checked</source>
            <translation>{0} 笔仍在核实</translation>
        </message>
        <message>
            <source>Retry failed ({0})</source>
            <translation>重试失败项（{0}）</translation>
        </message>
    </context>
    <context>
        <name>BrandIcon</name>
        <message>
            <source>Card brand not known yet</source>
            <translation>尚未识别卡组织</translation>
        </message>
    </context>
    <context>
        <name>CancelDialog</name>
        <message>
            <source>Cancel payment</source>
            <translation>撤销付款</translation>
        </message>
        <message>
            <source>Keep the payment</source>
            <translation>保留付款</translation>
        </message>
        <message>
            <source>Release the hold</source>
            <translation>解除冻结</translation>
        </message>
        <message>
            <source>Release the hold of {0} on {1}?</source>
            <translation>解除 {1} 上 {0} 的冻结？</translation>
        </message>
        <message>
            <source>Cancel the payment</source>
            <translation>撤销这笔付款</translation>
        </message>
        <message>
            <source>Cancel the payment of {0} on {1}? Its result has not come yet.</source>
            <translation>撤销 {1} 上 {0} 的付款？其结果尚未返回。</translation>
        </message>
        <message>
            <source>Nothing is charged; the cardholder's bank frees the money. This cannot be undone.</source>
            <translation>不会扣款；持卡人的银行将释放这笔资金。此操作无法撤回。</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Payment ID</source>
            <translation>支付 ID</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>状态</translation>
        </message>
    </context>
    <context>
        <name>CaptureDialog</name>
        <message>
            <source>Capture payment</source>
            <translation>请款</translation>
        </message>
        <message>
            <source>Capture</source>
            <translation>请款</translation>
        </message>
        <message>
            <source>Capture {0} from {1}?</source>
            <translation>从 {1} 请款 {0}？</translation>
        </message>
        <message>
            <source>Authorised amount</source>
            <translation>授权金额</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Payment ID</source>
            <translation>支付 ID</translation>
        </message>
        <message>
            <source>unknown</source>
            <translation>未知</translation>
        </message>
        <message>
            <source>{0} — passed: the hold has been released</source>
            <translation>{0} — 已过期：冻结已解除</translation>
        </message>
        <message>
            <source>{0} — less than a day left</source>
            <translation>{0} — 剩余不足一天</translation>
        </message>
        <message>
            <source>Capture before</source>
            <translation>请款截止</translation>
        </message>
    </context>
    <context>
        <name>DuplicateDialog</name>
        <message>
            <source>Undo a duplicate payment</source>
            <translation>退回重复付款</translation>
        </message>
        <message>
            <source>Keep both</source>
            <translation>两笔都保留</translation>
        </message>
        <message>
            <source>Give it back</source>
            <translation>退回</translation>
        </message>
        <message>
            <source>Order {0} was paid {1} times</source>
            <translation>订单 {0} 被支付了 {1} 次</translation>
        </message>
        <message>
            <source>Antom allows one successful payment per order. Choose the payment to give back; the other stays as it is.</source>
            <translation>Antom 每个订单只允许一笔成功付款。请选择要退回的付款；另一笔保持不变。</translation>
        </message>
        <message>
            <source>{0} · {1} · {2} · {3} · by {4}</source>
            <translation>{0} · {1} · {2} · {3} · 操作员 {4}</translation>
        </message>
        <message>
            <source>The hold of {0} on {1} is released; nothing is charged.</source>
            <translation>解除 {1} 上 {0} 的冻结；不会扣款。</translation>
        </message>
        <message>
            <source>Release this hold</source>
            <translation>解除这笔冻结</translation>
        </message>
        <message>
            <source>{0} is refunded in full to {1}.</source>
            <translation>{0} 将全额退款到 {1}。</translation>
        </message>
        <message>
            <source>Refund this payment</source>
            <translation>退款这笔付款</translation>
        </message>
    </context>
    <context>
        <name>ExpiryEdit</name>
        <message>
            <source>MM/YY</source>
            <translation>月/年</translation>
        </message>
    </context>
    <context>
        <name>KeyName</name>
        <message>
            <source>the key</source>
            <translation>该密钥</translation>
        </message>
        <message>
            <source>the merchant private key</source>
            <translation>商户私钥</translation>
        </message>
        <message>
            <source>the Antom public key</source>
            <translation>Antom 公钥</translation>
        </message>
        <message>
            <source>the stored private key</source>
            <translation>已保存的私钥</translation>
        </message>
        <message>
            <source>the stored Antom public key</source>
            <translation>已保存的 Antom 公钥</translation>
        </message>
        <message>
            <source>the sandbox merchant key</source>
            <translation>沙盒商户私钥</translation>
        </message>
        <message>
            <source>the sandbox Antom public key</source>
            <translation>沙盒 Antom 公钥</translation>
        </message>
        <message>
            <source>public key</source>
            <translation>公钥</translation>
        </message>
        <message>
            <source>rsa public key</source>
            <translation>RSA 公钥</translation>
        </message>
        <message>
            <source>certificate</source>
            <translation>证书</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>&amp;Reconcile with Antom…</source>
            <translation>与 Antom 对账(&amp;R)…</translation>
        </message>
        <message>
            <source>posapp — point of sale</source>
            <translation>posapp — 收银台</translation>
        </message>
        <message>
            <source>New payment</source>
            <translation>新建付款</translation>
        </message>
        <message>
            <source>Orders</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>New payment (Ctrl+N)</source>
            <translation>新建付款（Ctrl+N）</translation>
        </message>
        <message>
            <source>Orders (Ctrl+O)</source>
            <translation>订单（Ctrl+O）</translation>
        </message>
        <message>
            <source>The payment service is not connected.</source>
            <translation>支付服务未连接。</translation>
        </message>
        <message>
            <source>The order list could not be opened.</source>
            <translation>无法打开订单列表。</translation>
        </message>
        <message>
            <source>The order list is not available in this build.</source>
            <translation>此版本不提供订单列表。</translation>
        </message>
        <message>
            <source>&amp;Till</source>
            <translation>收银台(&amp;T)</translation>
        </message>
        <message>
            <source>&amp;New payment</source>
            <translation>新建付款(&amp;N)</translation>
        </message>
        <message>
            <source>&amp;Orders</source>
            <translation>订单(&amp;O)</translation>
        </message>
        <message>
            <source>&amp;Search orders</source>
            <translation>搜索订单(&amp;S)</translation>
        </message>
        <message>
            <source>S&amp;ettings…</source>
            <translation>设置(&amp;E)…</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>退出(&amp;Q)</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>正在连接…</translation>
        </message>
        <message>
            <source>TRAINING MODE — payments go to the embedded Antom sandbox; no real money moves</source>
            <translation>培训模式 — 付款发往内置的 Antom 沙箱；不涉及真实资金</translation>
        </message>
        <message>
            <source> · manager PIN %1</source>
            <translation> · 经理 PIN 码 %1</translation>
        </message>
        <message>
            <source>Set up live payments…</source>
            <translation>设置真实收款…</translation>
        </message>
        <message>
            <source>ANTOM SANDBOX — test cards only · client id %1</source>
            <translation>ANTOM 沙箱 — 仅限测试卡 · 客户端 ID %1</translation>
        </message>
        <message>
            <source>%1 — LIVE payments · client id %2</source>
            <translation>%1 — 真实付款 · 客户端 ID %2</translation>
        </message>
        <message>
            <source>Terminal %1 · %2</source>
            <translation>终端 %1 · %2</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <source>Settings are not available in this build.</source>
            <translation>此版本不提供设置。</translation>
        </message>
        <message>
            <source>Saved. Restart posapp to use the new settings.</source>
            <translation>已保存。请重新启动 posapp 以使用新设置。</translation>
        </message>
        <message>
            <source>Settings saved</source>
            <translation>设置已保存</translation>
        </message>
        <message>
            <source>Restart posapp to switch to the new environment.</source>
            <translation>请重新启动 posapp 以切换到新环境。</translation>
        </message>
        <message>
            <source>Restart posapp to show it in the new language.</source>
            <translation>请重新启动 posapp 以使用新语言显示。</translation>
        </message>
        <message numerus="yes">
            <source>%n payment(s) being settled</source>
            <translation>
                <numerusform>%n 笔付款正在结算</numerusform>
            </translation>
        </message>
        <message>
            <source>All payments settled</source>
            <translation>所有付款均已结算</translation>
        </message>
        <message>
            <source>Status unknown</source>
            <translation>状态未知</translation>
        </message>
        <message>
            <source>A payment is being sent</source>
            <translation>有一笔付款正在发送</translation>
        </message>
        <message>
            <source>A payment is still being sent. It is safe in the journal and will be settled on the next start. Quit anyway?</source>
            <translation>仍有一笔付款正在发送。它已安全记入交易日志，下次启动时会完成结算。仍要退出吗？</translation>
        </message>
        <message>
            <source>1 order has more than one successful payment</source>
            <translation>1 个订单有多笔成功付款</translation>
        </message>
        <message>
            <source>{0} orders have more than one successful payment</source>
            <translation>{0} 个订单有多笔成功付款</translation>
        </message>
        <message>
            <source>Show them in Orders &gt; Duplicates</source>
            <translation>在“订单 &gt; 重复付款”中查看</translation>
        </message>
        <message>
            <source>Customers</source>
            <translation>顾客</translation>
        </message>
        <message>
            <source>Saved cards and charges without the customer</source>
            <translation>已保存的卡及顾客不在场时的扣款</translation>
        </message>
        <message>
            <source>&amp;Day report…</source>
            <translation>日报表(&amp;D)…</translation>
        </message>
        <message>
            <source>posapp — back office</source>
            <translation>posapp — 后台</translation>
        </message>
        <message>
            <source>Back office · every till</source>
            <translation>后台 · 全部收银台</translation>
        </message>
        <message>
            <source>Till</source>
            <translation>收银台</translation>
        </message>
    </context>
    <context>
        <name>NewPaymentView</name>
        <message>
            <source>What is being paid for</source>
            <translation>付款内容</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>&amp;Amount</source>
            <translation>金额(&amp;A)</translation>
        </message>
        <message>
            <source>Order &amp;reference</source>
            <translation>订单号(&amp;R)</translation>
        </message>
        <message>
            <source>&amp;Description</source>
            <translation>说明(&amp;D)</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>卡</translation>
        </message>
        <message>
            <source>Card &amp;number</source>
            <translation>卡号(&amp;N)</translation>
        </message>
        <message>
            <source>C&amp;VV</source>
            <translation>安全码(&amp;V)</translation>
        </message>
        <message>
            <source>E&amp;xpiry</source>
            <translation>有效期(&amp;X)</translation>
        </message>
        <message>
            <source>First name</source>
            <translation>名</translation>
        </message>
        <message>
            <source>Last name</source>
            <translation>姓</translation>
        </message>
        <message>
            <source>Card&amp;holder</source>
            <translation>持卡人(&amp;H)</translation>
        </message>
        <message>
            <source>Add a &amp;billing address (for the address check)</source>
            <translation>添加账单地址(&amp;B)（用于地址核验）</translation>
        </message>
        <message>
            <source>Billing address</source>
            <translation>账单地址</translation>
        </message>
        <message>
            <source>SG</source>
            <translation>SG</translation>
        </message>
        <message>
            <source>Street</source>
            <translation>街道</translation>
        </message>
        <message>
            <source>City</source>
            <translation>城市</translation>
        </message>
        <message>
            <source>State</source>
            <translation>州/省</translation>
        </message>
        <message>
            <source>City / state</source>
            <translation>城市 / 州省</translation>
        </message>
        <message>
            <source>Postcode</source>
            <translation>邮编</translation>
        </message>
        <message>
            <source>Postcode / country</source>
            <translation>邮编 / 国家</translation>
        </message>
        <message>
            <source>Authorise and capture</source>
            <translation>授权并请款</translation>
        </message>
        <message>
            <source>Authorise only (hold, capture later)</source>
            <translation>仅授权（冻结，稍后请款）</translation>
        </message>
        <message>
            <source>Capture mode</source>
            <translation>请款方式</translation>
        </message>
        <message>
            <source>Ask for &amp;3-D Secure</source>
            <translation>要求 3-D Secure 验证(&amp;3)</translation>
        </message>
        <message>
            <source>Capture &amp;mode</source>
            <translation>请款方式(&amp;M)</translation>
        </message>
        <message>
            <source>Charge card</source>
            <translation>扣款</translation>
        </message>
        <message>
            <source>Send the payment (Enter)</source>
            <translation>发送付款（Enter）</translation>
        </message>
        <message>
            <source>Clear</source>
            <translation>清空</translation>
        </message>
        <message>
            <source>Clear the form (Esc)</source>
            <translation>清空表单（Esc）</translation>
        </message>
        <message>
            <source>Sending the payment</source>
            <translation>正在发送付款</translation>
        </message>
        <message>
            <source>Accepted cards</source>
            <translation>受理的卡</translation>
        </message>
        <message>
            <source>Loading…</source>
            <translation>加载中…</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Order reference</source>
            <translation>订单号</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>说明</translation>
        </message>
        <message>
            <source>Card number</source>
            <translation>卡号</translation>
        </message>
        <message>
            <source>Expiry date, month and year</source>
            <translation>有效期（月和年）</translation>
        </message>
        <message>
            <source>Security code</source>
            <translation>安全码</translation>
        </message>
        <message>
            <source>Cardholder first name</source>
            <translation>持卡人名</translation>
        </message>
        <message>
            <source>Cardholder last name</source>
            <translation>持卡人姓</translation>
        </message>
        <message>
            <source>Billing street</source>
            <translation>账单地址街道</translation>
        </message>
        <message>
            <source>Billing city</source>
            <translation>账单地址城市</translation>
        </message>
        <message>
            <source>Billing state</source>
            <translation>账单地址州/省</translation>
        </message>
        <message>
            <source>Billing postcode</source>
            <translation>账单地址邮编</translation>
        </message>
        <message>
            <source>Billing country code</source>
            <translation>账单地址国家代码</translation>
        </message>
        <message>
            <source>Ask for 3-D Secure</source>
            <translation>要求 3-D Secure 验证</translation>
        </message>
        <message>
            <source>Add a billing address</source>
            <translation>添加账单地址</translation>
        </message>
        <message>
            <source>Clear the form</source>
            <translation>清空表单</translation>
        </message>
        <message>
            <source>Enter an order reference</source>
            <translation>请输入订单号</translation>
        </message>
        <message>
            <source>Use letters, digits and dashes only in the order reference</source>
            <translation>订单号只能包含字母、数字和短横线</translation>
        </message>
        <message>
            <source>%1 cards are not accepted here</source>
            <translation>此处不受理 %1 卡</translation>
        </message>
        <message>
            <source>Enter the postcode for the address check</source>
            <translation>请输入邮编以进行地址核验</translation>
        </message>
        <message>
            <source>The country is a two-letter code, e.g. SG</source>
            <translation>国家为两位字母代码，例如 SG</translation>
        </message>
        <message>
            <source>The same card was charged the same amount less than 10 minutes ago:
%1</source>
            <translation>同一张卡在不到 10 分钟前已被扣除相同金额：
%1</translation>
        </message>
        <message>
            <source>Possible duplicate payment</source>
            <translation>可能重复付款</translation>
        </message>
        <message>
            <source>Not sent: the possible duplicate was not charged.</source>
            <translation>未发送：可能重复的付款未扣款。</translation>
        </message>
        <message>
            <source>Checking the details…</source>
            <translation>正在核对信息…</translation>
        </message>
        <message>
            <source>Recording the payment in the journal…</source>
            <translation>正在将付款记入交易日志…</translation>
        </message>
        <message>
            <source>Waiting for Antom…</source>
            <translation>正在等待 Antom…</translation>
        </message>
        <message>
            <source>Recording the answer…</source>
            <translation>正在记录应答…</translation>
        </message>
        <message>
            <source>The payment service did not answer.</source>
            <translation>支付服务没有响应。</translation>
        </message>
        <message>
            <source>%1 Nothing was sent to Antom: the card was not charged.</source>
            <translation>%1未向 Antom 发送任何请求：这张卡没有被扣款。</translation>
        </message>
        <message>
            <source>%1 Check the Orders list before charging again.</source>
            <translation>%1再次扣款前请先查看订单列表。</translation>
        </message>
        <message>
            <source>No card brands enabled</source>
            <translation>未启用任何卡组织</translation>
        </message>
        <message>
            <source>Accepted cards could not be loaded; all brands tried.</source>
            <translation>无法加载受理的卡种；将尝试所有卡组织。</translation>
        </message>
        <message>
            <source>Charge again</source>
            <translation>再次扣款</translation>
        </message>
        <message>
            <source>Do not charge</source>
            <translation>不扣款</translation>
        </message>
        <message>
            <source>Store server unreachable — sales are paused. Nothing already sent is lost: those payments are settled as soon as the server answers again.</source>
            <translation>无法连接门店服务器 — 已暂停收款。已发送的付款不会丢失：服务器恢复应答后会立即结算。</translation>
        </message>
        <message>
            <source>The store server answers again — sales can go on.</source>
            <translation>门店服务器已恢复应答 — 可以继续收款。</translation>
        </message>
        <message>
            <source>Sales are paused: the store server does not answer</source>
            <translation>已暂停收款：门店服务器没有应答</translation>
        </message>
        <message>
            <source>The store server does not answer.</source>
            <translation>门店服务器没有应答。</translation>
        </message>
    </context>
    <context>
        <name>OrderTableModel</name>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>卡</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Time left</source>
            <translation>剩余时间</translation>
        </message>
        <message>
            <source>Payment ID</source>
            <translation>支付 ID</translation>
        </message>
        <message>
            <source>Capture before {0}</source>
            <translation>请在 {0} 前请款</translation>
        </message>
        <message>
            <source>released</source>
            <translation>已解除</translation>
        </message>
        <message>
            <source>{0} d {1} h</source>
            <translation>{0} 天 {1} 小时</translation>
        </message>
        <message>
            <source>{0} h {1} min</source>
            <translation>{0} 小时 {1} 分钟</translation>
        </message>
        <message>
            <source>The order list could not be loaded: {0}</source>
            <translation>无法加载订单列表：{0}</translation>
        </message>
        <message>
            <source>{0}, duplicate</source>
            <translation>{0}，重复付款</translation>
        </message>
        <message>
            <source>×{0}</source>
            <translation>×{0}</translation>
        </message>
        <message>
            <source>This order has more than one successful payment: a manager can give the extra one back (Undo duplicate)</source>
            <translation>此订单有多笔成功付款：经理可以退回多出的一笔（退回重复付款）</translation>
        </message>
    </context>
    <context>
        <name>OrdersView</name>
        <message>
            <source>All orders</source>
            <translation>全部订单</translation>
        </message>
        <message>
            <source>Held</source>
            <translation>已冻结</translation>
        </message>
        <message>
            <source>Authorised payments waiting for a capture, the least time left first</source>
            <translation>等待请款的已授权付款，剩余时间最少的在前</translation>
        </message>
        <message>
            <source>Order list</source>
            <translation>订单列表</translation>
        </message>
        <message>
            <source>Search: order reference, last 4 digits or payment ID</source>
            <translation>搜索：订单号、卡号后 4 位或支付 ID</translation>
        </message>
        <message>
            <source>Search orders</source>
            <translation>搜索订单</translation>
        </message>
        <message>
            <source>Status filter</source>
            <translation>状态筛选</translation>
        </message>
        <message>
            <source>All statuses</source>
            <translation>全部状态</translation>
        </message>
        <message>
            <source>Period</source>
            <translation>时间段</translation>
        </message>
        <message>
            <source>Any time</source>
            <translation>任意时间</translation>
        </message>
        <message>
            <source>Today</source>
            <translation>今天</translation>
        </message>
        <message>
            <source>Last 7 days</source>
            <translation>最近 7 天</translation>
        </message>
        <message>
            <source>Last 30 days</source>
            <translation>最近 30 天</translation>
        </message>
        <message>
            <source>Dates…</source>
            <translation>日期…</translation>
        </message>
        <message>
            <source>From date</source>
            <translation>开始日期</translation>
        </message>
        <message>
            <source>To date</source>
            <translation>结束日期</translation>
        </message>
        <message>
            <source>Orders</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>&amp;Capture…</source>
            <translation>请款(&amp;C)…</translation>
        </message>
        <message>
            <source>Capture the held amount (manager PIN)</source>
            <translation>请款已冻结的金额（需经理 PIN 码）</translation>
        </message>
        <message>
            <source>Ca&amp;ncel…</source>
            <translation>撤销(&amp;N)…</translation>
        </message>
        <message>
            <source>Release the hold (manager PIN)</source>
            <translation>解除冻结（需经理 PIN 码）</translation>
        </message>
        <message>
            <source>&amp;Refund…</source>
            <translation>退款(&amp;R)…</translation>
        </message>
        <message>
            <source>Give money back (manager PIN)</source>
            <translation>退还款项（需经理 PIN 码）</translation>
        </message>
        <message>
            <source>Recei&amp;pt</source>
            <translation>小票(&amp;P)</translation>
        </message>
        <message>
            <source>Print or save the receipt</source>
            <translation>打印或保存小票</translation>
        </message>
        <message>
            <source>Print…</source>
            <translation>打印…</translation>
        </message>
        <message>
            <source>Save as PDF…</source>
            <translation>另存为 PDF…</translation>
        </message>
        <message>
            <source>&amp;Export CSV…</source>
            <translation>导出 CSV(&amp;E)…</translation>
        </message>
        <message>
            <source>Export the rows of this view to a CSV file</source>
            <translation>将此视图中的行导出为 CSV 文件</translation>
        </message>
        <message>
            <source>Loading…</source>
            <translation>加载中…</translation>
        </message>
        <message>
            <source>1 held authorisation</source>
            <translation>1 笔冻结中的授权</translation>
        </message>
        <message>
            <source>{0} held authorisations</source>
            <translation>{0} 笔冻结中的授权</translation>
        </message>
        <message>
            <source>1 order</source>
            <translation>1 个订单</translation>
        </message>
        <message>
            <source>{0} orders</source>
            <translation>{0} 个订单</translation>
        </message>
        <message>
            <source>Exporting… {0} rows</source>
            <translation>正在导出… {0} 行</translation>
        </message>
        <message>
            <source>{0} rows exported to {1}</source>
            <translation>已导出 {0} 行到 {1}</translation>
        </message>
        <message>
            <source>Export orders</source>
            <translation>导出订单</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
        <message>
            <source>Exporting…</source>
            <translation>正在导出…</translation>
        </message>
        <message>
            <source>The export failed: {0}</source>
            <translation>导出失败：{0}</translation>
        </message>
        <message>
            <source>Duplicates</source>
            <translation>重复付款</translation>
        </message>
        <message>
            <source>Orders with more than one successful payment: give the extra one back (Undo duplicate)</source>
            <translation>有多笔成功付款的订单：退回多出的一笔（退回重复付款）</translation>
        </message>
        <message>
            <source>&amp;Undo duplicate…</source>
            <translation>退回重复付款(&amp;U)…</translation>
        </message>
        <message>
            <source>Give back the extra payment of an order paid twice (manager PIN)</source>
            <translation>退回被重复支付订单中多出的一笔付款（需经理 PIN）</translation>
        </message>
        <message>
            <source>1 payment on orders paid more than once</source>
            <translation>重复支付的订单共 1 笔付款</translation>
        </message>
        <message>
            <source>{0} payments on orders paid more than once</source>
            <translation>重复支付的订单共 {0} 笔付款</translation>
        </message>
        <message>
            <source>Duplicates ({0})</source>
            <translation>重复付款（{0}）</translation>
        </message>
        <message>
            <source>This order has only one successful payment now.</source>
            <translation>此订单现在只有一笔成功付款。</translation>
        </message>
        <message>
            <source>Terminal filter</source>
            <translation>终端筛选</translation>
        </message>
        <message>
            <source>Show the payments of every till or of one</source>
            <translation>显示全部收银台或某一台的付款</translation>
        </message>
        <message>
            <source>All tills</source>
            <translation>全部收银台</translation>
        </message>
    </context>
    <context>
        <name>PaymentDetails</name>
        <message>
            <source>Select a payment to see its details</source>
            <translation>选择一笔付款以查看详情</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>卡</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Payment ID</source>
            <translation>支付 ID</translation>
        </message>
        <message>
            <source>Request ID</source>
            <translation>请求 ID</translation>
        </message>
        <message>
            <source>Network transaction</source>
            <translation>卡组织交易号</translation>
        </message>
        <message>
            <source>Approval code</source>
            <translation>授权码</translation>
        </message>
        <message>
            <source>Capture before</source>
            <translation>请款截止</translation>
        </message>
        <message>
            <source>Captured</source>
            <translation>已请款</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>已退款</translation>
        </message>
        <message>
            <source>Last answer</source>
            <translation>最近应答</translation>
        </message>
        <message>
            <source>Terminal / operator</source>
            <translation>终端 / 操作员</translation>
        </message>
        <message>
            <source>Timeline</source>
            <translation>时间线</translation>
        </message>
        <message>
            <source>What</source>
            <translation>事件</translation>
        </message>
        <message>
            <source>Who</source>
            <translation>操作人</translation>
        </message>
        <message>
            <source>Payment timeline</source>
            <translation>付款时间线</translation>
        </message>
        <message>
            <source>not known yet</source>
            <translation>尚未知晓</translation>
        </message>
        <message>
            <source>Loading…</source>
            <translation>加载中…</translation>
        </message>
        <message>
            <source>No events yet</source>
            <translation>暂无事件</translation>
        </message>
        <message>
            <source>The timeline could not be read: {0}</source>
            <translation>无法读取时间线：{0}</translation>
        </message>
        <message>
            <source>Sent {0} to Antom</source>
            <translation>已向 Antom 发送 {0}</translation>
        </message>
        <message>
            <source>a request</source>
            <translation>一个请求</translation>
        </message>
        <message>
            <source>Antom answered {0}: {1} ({2})</source>
            <translation>Antom 对 {0} 的应答：{1}（{2}）</translation>
        </message>
        <message>
            <source>Antom answered {0}: {1}</source>
            <translation>Antom 对 {0} 的应答：{1}</translation>
        </message>
        <message>
            <source>no answer</source>
            <translation>无应答</translation>
        </message>
        <message>
            <source>No clear answer to {0}: {1}</source>
            <translation>{0} 未得到明确应答：{1}</translation>
        </message>
        <message>
            <source>payment</source>
            <translation>付款</translation>
        </message>
        <message>
            <source>capture</source>
            <translation>请款</translation>
        </message>
        <message>
            <source>refund</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>Antom notified: {0} {1}</source>
            <translation>Antom 通知：{0} {1}</translation>
        </message>
        <message>
            <source>recorded</source>
            <translation>已记录</translation>
        </message>
        <message>
            <source>sent, waiting for the answer</source>
            <translation>已发送，等待应答</translation>
        </message>
        <message>
            <source>succeeded</source>
            <translation>成功</translation>
        </message>
        <message>
            <source>failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <source>never reached Antom</source>
            <translation>未送达 Antom</translation>
        </message>
        <message>
            <source>{0} {1}</source>
            <translation>{0}{1}</translation>
        </message>
        <message>
            <source>Recorded: {0}</source>
            <translation>已记录：{0}</translation>
        </message>
        <message>
            <source>Manager approved: {0}</source>
            <translation>经理已批准：{0}</translation>
        </message>
        <message>
            <source>Refused: {0}</source>
            <translation>已拒绝：{0}</translation>
        </message>
        <message>
            <source>{0} → {1}</source>
            <translation>{0} → {1}</translation>
        </message>
        <message>
            <source>{0} ({1})</source>
            <translation>{0}（{1}）</translation>
        </message>
        <message>
            <source>reason: {0}</source>
            <translation>原因：{0}</translation>
        </message>
        <message>
            <source>Order {0} now has {1} successful payments (duplicate)</source>
            <translation>订单 {0} 现在有 {1} 笔成功付款（重复付款）</translation>
        </message>
        <message>
            <source>release the hold</source>
            <translation>解除冻结</translation>
        </message>
        <message>
            <source>refund in full</source>
            <translation>全额退款</translation>
        </message>
        <message>
            <source>Duplicate given back: {0}</source>
            <translation>退回重复付款：{0}</translation>
        </message>
        <message>
            <source>Duplicate given back: {0}, done</source>
            <translation>退回重复付款：{0}，已完成</translation>
        </message>
        <message>
            <source>Duplicate given back: {0}, being confirmed</source>
            <translation>退回重复付款：{0}，正在确认</translation>
        </message>
        <message>
            <source>Duplicate given back: {0}, refused</source>
            <translation>退回重复付款：{0}，被拒绝</translation>
        </message>
        <message>
            <source>3-D Secure</source>
            <translation>3-D Secure</translation>
        </message>
        <message>
            <source>not offered</source>
            <translation>未发起</translation>
        </message>
        <message>
            <source>challenged</source>
            <translation>已质询验证</translation>
        </message>
        <message>
            <source>frictionless</source>
            <translation>无感验证</translation>
        </message>
        <message>
            <source>result %1</source>
            <translation>结果 %1</translation>
        </message>
        <message>
            <source>liability shift: yes</source>
            <translation>责任转移：是</translation>
        </message>
        <message>
            <source>liability shift: no</source>
            <translation>责任转移：否</translation>
        </message>
        <message>
            <source>exemption %1</source>
            <translation>豁免 %1</translation>
        </message>
        <message>
            <source>CAVV given</source>
            <translation>已提供 CAVV</translation>
        </message>
        <message>
            <source>reason %1</source>
            <translation>原因 %1</translation>
        </message>
        <message>
            <source>challenge cancelled (%1)</source>
            <translation>验证已取消（%1）</translation>
        </message>
        <message>
            <source>DS transaction %1</source>
            <translation>DS 交易 %1</translation>
        </message>
    </context>
    <context>
        <name>PaymentFields</name>
        <message>
            <source>{0}: {1} ({2})</source>
            <translation>{0}：{1} ({2})</translation>
        </message>
    </context>
    <context>
        <name>PinEntry</name>
        <message>
            <source>{0} to {1} digits</source>
            <translation>{0} 至 {1} 位数字</translation>
        </message>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
        <message>
            <source>Enter the manager PIN ({0} to {1} digits)</source>
            <translation>请输入经理 PIN 码（{0} 至 {1} 位数字）</translation>
        </message>
    </context>
    <context>
        <name>Receipt</name>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Terminal</source>
            <translation>终端</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>卡</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Payment ID</source>
            <translation>支付 ID</translation>
        </message>
        <message>
            <source>Network transaction ID</source>
            <translation>卡组织交易号</translation>
        </message>
        <message>
            <source>Approval code</source>
            <translation>授权码</translation>
        </message>
        <message>
            <source>AVS result</source>
            <translation>AVS 结果</translation>
        </message>
        <message>
            <source>CVV result</source>
            <translation>CVV 结果</translation>
        </message>
        <message>
            <source>Thank you</source>
            <translation>谢谢惠顾</translation>
        </message>
        <message>
            <source>Receipt {0}</source>
            <translation>小票 {0}</translation>
        </message>
        <message>
            <source>Print receipt</source>
            <translation>打印小票</translation>
        </message>
        <message>
            <source>Save receipt as PDF</source>
            <translation>将小票另存为 PDF</translation>
        </message>
        <message>
            <source>PDF files (*.pdf)</source>
            <translation>PDF 文件 (*.pdf)</translation>
        </message>
        <message>
            <source>Payment terms</source>
            <translation>付款方式</translation>
        </message>
    </context>
    <context>
        <name>RefundDialog</name>
        <message>
            <source>Refund payment</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>Refund</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>Refund to {0} (order {1})</source>
            <translation>退款至 {0}（订单 {1}）</translation>
        </message>
        <message>
            <source>Paid</source>
            <translation>已付款</translation>
        </message>
        <message>
            <source>Already refunded</source>
            <translation>已退款金额</translation>
        </message>
        <message>
            <source>Refundable</source>
            <translation>可退款金额</translation>
        </message>
        <message>
            <source>Refund amount in {0}</source>
            <translation>退款金额（{0}）</translation>
        </message>
        <message>
            <source>Amount ({0})</source>
            <translation>金额（{0}）</translation>
        </message>
        <message>
            <source>Returned goods</source>
            <translation>退货</translation>
        </message>
        <message>
            <source>Customer request</source>
            <translation>顾客要求</translation>
        </message>
        <message>
            <source>Charged twice</source>
            <translation>重复扣款</translation>
        </message>
        <message>
            <source>Wrong amount</source>
            <translation>金额错误</translation>
        </message>
        <message>
            <source>Why is the money given back?</source>
            <translation>退款原因是什么？</translation>
        </message>
        <message>
            <source>Refund reason</source>
            <translation>退款原因</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <source>Enter an amount above zero</source>
            <translation>请输入大于零的金额</translation>
        </message>
        <message>
            <source>At most {0} can be refunded</source>
            <translation>最多可退款 {0}</translation>
        </message>
        <message>
            <source>Say why the money is given back</source>
            <translation>请说明退款原因</translation>
        </message>
    </context>
    <context>
        <name>ResultPanel</name>
        <message>
            <source>The card issuer declined the payment. Ask for another card.</source>
            <translation>发卡行拒绝了这笔付款。请顾客换一张卡。</translation>
        </message>
        <message>
            <source>Not enough funds on the card.</source>
            <translation>卡内余额不足。</translation>
        </message>
        <message>
            <source>The card number is not valid.</source>
            <translation>卡号无效。</translation>
        </message>
        <message>
            <source>The card is not valid.</source>
            <translation>此卡无效。</translation>
        </message>
        <message>
            <source>The expiry date is wrong or the card has expired.</source>
            <translation>有效期有误或卡已过期。</translation>
        </message>
        <message>
            <source>The card has expired.</source>
            <translation>卡已过期。</translation>
        </message>
        <message>
            <source>The security code is wrong.</source>
            <translation>安全码错误。</translation>
        </message>
        <message>
            <source>This kind of card is not accepted here.</source>
            <translation>此处不受理这类卡。</translation>
        </message>
        <message>
            <source>This card brand is not accepted here.</source>
            <translation>此处不受理该卡组织的卡。</translation>
        </message>
        <message>
            <source>The issuer requires 3-D Secure: pay again with 3DS on.</source>
            <translation>发卡行要求 3-D Secure 验证：请开启 3DS 后重新付款。</translation>
        </message>
        <message>
            <source>The cardholder could not be verified (3DS).</source>
            <translation>无法验证持卡人身份（3DS）。</translation>
        </message>
        <message>
            <source>Refused by fraud screening. Do not retry with this card.</source>
            <translation>被风控拒绝。请勿用此卡重试。</translation>
        </message>
        <message>
            <source>The card issuer declined the payment.</source>
            <translation>发卡行拒绝了这笔付款。</translation>
        </message>
        <message>
            <source>The amount is not acceptable for this payment.</source>
            <translation>此付款金额不可接受。</translation>
        </message>
        <message>
            <source>The amount is above the allowed limit.</source>
            <translation>金额超出允许的上限。</translation>
        </message>
        <message>
            <source>The amount is above the card's limit.</source>
            <translation>金额超出此卡的限额。</translation>
        </message>
        <message>
            <source>Too many payments on this card; try later.</source>
            <translation>此卡付款次数过多；请稍后再试。</translation>
        </message>
        <message>
            <source>This currency is not enabled for the store.</source>
            <translation>本店未开通此币种。</translation>
        </message>
        <message>
            <source>The payment timed out before the cardholder finished.</source>
            <translation>持卡人完成操作前付款已超时。</translation>
        </message>
        <message>
            <source>This payment was closed; start a new one.</source>
            <translation>此付款已关闭；请新建一笔付款。</translation>
        </message>
        <message>
            <source>This payment was cancelled.</source>
            <translation>此付款已撤销。</translation>
        </message>
        <message>
            <source>The payment never reached Antom; nothing was charged.</source>
            <translation>付款未送达 Antom；没有扣款。</translation>
        </message>
        <message>
            <source>The payment was declined.</source>
            <translation>付款被拒绝。</translation>
        </message>
        <message>
            <source>address and postcode match</source>
            <translation>地址和邮编均匹配</translation>
        </message>
        <message>
            <source>address matches, postcode does not</source>
            <translation>地址匹配，邮编不匹配</translation>
        </message>
        <message>
            <source>postcode matches, address does not</source>
            <translation>邮编匹配，地址不匹配</translation>
        </message>
        <message>
            <source>neither address nor postcode match</source>
            <translation>地址和邮编均不匹配</translation>
        </message>
        <message>
            <source>not available</source>
            <translation>不可用</translation>
        </message>
        <message>
            <source>issuer unavailable, retry</source>
            <translation>发卡行不可用，请重试</translation>
        </message>
        <message>
            <source>not supported</source>
            <translation>不支持</translation>
        </message>
        <message>
            <source>code %1</source>
            <translation>代码 %1</translation>
        </message>
        <message>
            <source>matches</source>
            <translation>匹配</translation>
        </message>
        <message>
            <source>does not match</source>
            <translation>不匹配</translation>
        </message>
        <message>
            <source>not processed</source>
            <translation>未处理</translation>
        </message>
        <message>
            <source>should be on the card</source>
            <translation>应在卡上</translation>
        </message>
        <message>
            <source>Payment ID</source>
            <translation>支付 ID</translation>
        </message>
        <message>
            <source>Order reference</source>
            <translation>订单号</translation>
        </message>
        <message>
            <source>Address check (AVS)</source>
            <translation>地址核验（AVS）</translation>
        </message>
        <message>
            <source>Security code check</source>
            <translation>安全码核验</translation>
        </message>
        <message>
            <source>Capture before</source>
            <translation>请款截止</translation>
        </message>
        <message>
            <source>No payment yet</source>
            <translation>尚无付款</translation>
        </message>
        <message>
            <source>Key in the amount and the card, then press Enter to send the payment.</source>
            <translation>输入金额和卡信息，然后按 Enter 发送付款。</translation>
        </message>
        <message>
            <source>Tab moves to the next field · Enter sends · Esc clears · Ctrl+O opens the orders · Ctrl+F searches them</source>
            <translation>Tab 跳到下一栏 · Enter 发送 · Esc 清空 · Ctrl+O 打开订单 · Ctrl+F 搜索订单</translation>
        </message>
        <message>
            <source>Sending…</source>
            <translation>正在发送…</translation>
        </message>
        <message>
            <source>In progress</source>
            <translation>处理中</translation>
        </message>
        <message>
            <source>Sending %1 to Antom. Keep the card ready.</source>
            <translation>正在向 Antom 发送 %1。请备好卡片。</translation>
        </message>
        <message>
            <source>Approved</source>
            <translation>已批准</translation>
        </message>
        <message>
            <source>Declined</source>
            <translation>已拒绝</translation>
        </message>
        <message>
            <source>Pending</source>
            <translation>结果待定</translation>
        </message>
        <message>
            <source>Needs 3DS</source>
            <translation>需要 3DS 验证</translation>
        </message>
        <message>
            <source>Closed</source>
            <translation>已关闭</translation>
        </message>
        <message>
            <source>Held — capture later</source>
            <translation>已冻结 — 稍后请款</translation>
        </message>
        <message>
            <source>Captured</source>
            <translation>已请款</translation>
        </message>
        <message>
            <source>Being settled</source>
            <translation>正在结算</translation>
        </message>
        <message>
            <source>Waiting for cardholder</source>
            <translation>等待持卡人</translation>
        </message>
        <message>
            <source>No money held</source>
            <translation>未冻结任何资金</translation>
        </message>
        <message>
            <source>Not charged</source>
            <translation>未扣款</translation>
        </message>
        <message>
            <source>Not known yet. Do not charge the card again: this updates by itself as soon as Antom confirms the result.</source>
            <translation>结果尚未知晓。请勿再次扣款：Antom 确认结果后此处会自动更新。</translation>
        </message>
        <message>
            <source>The cardholder must confirm the payment on the 3-D Secure page that has opened in the browser. This panel updates when they are done.</source>
            <translation>持卡人须在浏览器中打开的 3-D Secure 页面上确认付款。完成后此面板会自动更新。</translation>
        </message>
        <message>
            <source>Open the 3DS page again: %1</source>
            <translation>重新打开 3DS 页面：%1</translation>
        </message>
        <message>
            <source>(not assigned yet)</source>
            <translation>（尚未分配）</translation>
        </message>
    </context>
    <context>
        <name>ServiceMessage</name>
        <message>
            <source>reason.reconciliation_checked</source>
            <extracomment>checked with Antom for report {file}, line {line}</extracomment>
            <translation>已就对账文件 {file} 第 {line} 行向 Antom 核实</translation>
        </message>
        <message>
            <source>reconcile.resolve_needs_note</source>
            <extracomment>Say how the difference was resolved</extracomment>
            <translation>请说明差异是如何解决的</translation>
        </message>
        <message>
            <source>reconcile.resolve_unavailable</source>
            <extracomment>Differences can be resolved only at the till, with the manager PIN</extracomment>
            <translation>差异只能在收银台凭经理 PIN 码解决</translation>
        </message>
        <message>
            <source>reconcile.already_resolved</source>
            <extracomment>This difference was resolved already</extracomment>
            <translation>该差异已被解决</translation>
        </message>
        <message>
            <source>card.number_missing</source>
            <extracomment>Enter the card number</extracomment>
            <translation>请输入卡号</translation>
        </message>
        <message>
            <source>card.number_digits_only</source>
            <extracomment>The card number may contain digits only</extracomment>
            <translation>卡号只能包含数字</translation>
        </message>
        <message>
            <source>card.number_length</source>
            <extracomment>A card number has {min} to {max} digits</extracomment>
            <translation>卡号为 {min} 至 {max} 位数字</translation>
        </message>
        <message>
            <source>card.number_length_for_brand</source>
            <extracomment>A {brand} card number has {lengths} digits</extracomment>
            <translation>{brand} 卡号为 {lengths} 位数字</translation>
        </message>
        <message>
            <source>card.number_invalid</source>
            <extracomment>This card number is not valid: check the digits</extracomment>
            <translation>卡号无效：请检查数字</translation>
        </message>
        <message>
            <source>card.brand_mismatch</source>
            <extracomment>The card brand does not match the number</extracomment>
            <translation>卡组织与卡号不符</translation>
        </message>
        <message>
            <source>card.wrong_length</source>
            <extracomment>The card number has the wrong length</extracomment>
            <translation>卡号位数不对</translation>
        </message>
        <message>
            <source>card.expiry_missing</source>
            <extracomment>Enter the expiry date (MM/YY)</extracomment>
            <translation>请输入有效期（MM/YY）</translation>
        </message>
        <message>
            <source>card.expiry_format</source>
            <extracomment>Write the expiry date as MM/YY</extracomment>
            <translation>有效期请写成 MM/YY</translation>
        </message>
        <message>
            <source>card.expiry_month</source>
            <extracomment>The expiry month must be 01 to 12</extracomment>
            <translation>有效期月份须为 01 至 12</translation>
        </message>
        <message>
            <source>card.expired</source>
            <extracomment>This card has expired</extracomment>
            <translation>此卡已过期</translation>
        </message>
        <message>
            <source>card.expiry_too_far</source>
            <extracomment>The expiry year is too far in the future</extracomment>
            <translation>有效期年份太远</translation>
        </message>
        <message>
            <source>card.cvv_missing</source>
            <extracomment>Enter the security code</extracomment>
            <translation>请输入安全码</translation>
        </message>
        <message>
            <source>card.cvv_digits_only</source>
            <extracomment>The security code is digits only</extracomment>
            <translation>安全码只能包含数字</translation>
        </message>
        <message>
            <source>card.cvv_length_for_brand</source>
            <extracomment>The security code of {brand} has {digits} digits</extracomment>
            <translation>{brand} 的安全码为 {digits} 位数字</translation>
        </message>
        <message>
            <source>card.cvv_length</source>
            <extracomment>The security code of this card has {digits} digits</extracomment>
            <translation>此卡的安全码为 {digits} 位数字</translation>
        </message>
        <message>
            <source>amount.missing</source>
            <extracomment>Enter an amount</extracomment>
            <translation>请输入金额</translation>
        </message>
        <message>
            <source>amount.not_a_number</source>
            <extracomment>{text!r} is not an amount</extracomment>
            <translation>{text!r} 不是有效金额</translation>
        </message>
        <message>
            <source>amount.no_decimals</source>
            <extracomment>{currency} has no decimals</extracomment>
            <translation>{currency} 没有小数</translation>
        </message>
        <message>
            <source>amount.too_many_decimals</source>
            <extracomment>{currency} has at most {places} decimals</extracomment>
            <translation>{currency} 最多 {places} 位小数</translation>
        </message>
        <message>
            <source>amount.negative</source>
            <extracomment>The amount cannot be negative</extracomment>
            <translation>金额不能为负数</translation>
        </message>
        <message>
            <source>amount.too_large</source>
            <extracomment>The amount is too large</extracomment>
            <translation>金额过大</translation>
        </message>
        <message>
            <source>amount.whole_units</source>
            <extracomment>{currency} amounts must be whole units (a multiple of {unit})</extracomment>
            <translation>{currency} 金额须为整数单位（{unit} 的倍数）</translation>
        </message>
        <message>
            <source>amount.wrong_currency</source>
            <extracomment>This till takes {till}, not {given}</extracomment>
            <translation>本收银台收取 {till}，而不是 {given}</translation>
        </message>
        <message>
            <source>amount.not_positive</source>
            <extracomment>The amount must be more than zero</extracomment>
            <translation>金额必须大于零</translation>
        </message>
        <message>
            <source>field.first_name</source>
            <extracomment>first name</extracomment>
            <translation>名</translation>
        </message>
        <message>
            <source>field.last_name</source>
            <extracomment>last name</extracomment>
            <translation>姓</translation>
        </message>
        <message>
            <source>field.reference</source>
            <extracomment>order reference</extracomment>
            <translation>订单号</translation>
        </message>
        <message>
            <source>field.address</source>
            <extracomment>address</extracomment>
            <translation>地址</translation>
        </message>
        <message>
            <source>field.city</source>
            <extracomment>city</extracomment>
            <translation>城市</translation>
        </message>
        <message>
            <source>field.state</source>
            <extracomment>state</extracomment>
            <translation>州/省</translation>
        </message>
        <message>
            <source>field.postal_code</source>
            <extracomment>postal code</extracomment>
            <translation>邮政编码</translation>
        </message>
        <message>
            <source>input.missing</source>
            <extracomment>Enter the {field}</extracomment>
            <translation>请输入{field}</translation>
        </message>
        <message>
            <source>input.too_long</source>
            <extracomment>The {field} has at most {limit} characters</extracomment>
            <translation>{field}最多 {limit} 个字符</translation>
        </message>
        <message>
            <source>input.control_characters</source>
            <extracomment>The {field} contains control characters</extracomment>
            <translation>{field}含有控制字符</translation>
        </message>
        <message>
            <source>input.non_latin</source>
            <extracomment>This field has Chinese or other non-Latin characters; card networks may refuse them or print them garbled. Latin letters are safer.</extracomment>
            <translation>此栏含有中文或其他非拉丁字符；卡组织可能拒绝或在账单上显示为乱码。使用拉丁字母更稳妥。</translation>
        </message>
        <message>
            <source>reference.characters</source>
            <extracomment>The order reference may hold letters, digits and - _ . : only</extracomment>
            <translation>订单号只能包含字母、数字和 - _ . :</translation>
        </message>
        <message>
            <source>reference.card_number</source>
            <extracomment>The order reference looks like a card number: use another one</extracomment>
            <translation>订单号看起来像卡号：请换一个</translation>
        </message>
        <message>
            <source>billing.postal_code</source>
            <extracomment>The postal code has up to 10 letters, digits, spaces or hyphens</extracomment>
            <translation>邮政编码最多 10 个字母、数字、空格或连字符</translation>
        </message>
        <message>
            <source>billing.country</source>
            <extracomment>The country is a two-letter code such as SG</extracomment>
            <translation>国家/地区为两个字母的代码，例如 SG</translation>
        </message>
        <message>
            <source>description.missing</source>
            <extracomment>Enter what is being paid for</extracomment>
            <translation>请输入所购商品或服务</translation>
        </message>
        <message>
            <source>description.too_long</source>
            <extracomment>The description has at most {limit} characters</extracomment>
            <translation>描述最多 {limit} 个字符</translation>
        </message>
        <message>
            <source>checkout.approved</source>
            <extracomment>Approved: {amount}.</extracomment>
            <translation>已批准：{amount}。</translation>
        </message>
        <message>
            <source>checkout.approved_held</source>
            <extracomment>Approved: {amount} held.</extracomment>
            <translation>已批准：已冻结 {amount}。</translation>
        </message>
        <message>
            <source>checkout.approved_held_until</source>
            <extracomment>Approved: {amount} held until {deadline} UTC.</extracomment>
            <translation>已批准：已冻结 {amount}，至 {deadline} UTC。</translation>
        </message>
        <message>
            <source>checkout.refused</source>
            <extracomment>the payment was refused</extracomment>
            <translation>付款被拒绝</translation>
        </message>
        <message>
            <source>checkout.declined</source>
            <extracomment>Declined: {reason}.</extracomment>
            <translation>已拒绝：{reason}。</translation>
        </message>
        <message>
            <source>checkout.declined_code</source>
            <extracomment>Declined: {reason} ({code}).</extracomment>
            <translation>已拒绝：{reason}（{code}）。</translation>
        </message>
        <message>
            <source>checkout.needs_3ds</source>
            <extracomment>The cardholder must confirm the payment with their bank (3-D Secure).</extracomment>
            <translation>持卡人须向其银行确认这笔付款（3-D Secure）。</translation>
        </message>
        <message>
            <source>checkout.not_sent</source>
            <extracomment>This payment never reached Antom; nothing was charged. Try again if needed.</extracomment>
            <translation>这笔付款从未到达 Antom；没有扣款。如有需要请重试。</translation>
        </message>
        <message>
            <source>checkout.pending</source>
            <extracomment>Checking the result with Antom. Do not charge the card again.</extracomment>
            <translation>正在向 Antom 核实结果。请勿再次扣款。</translation>
        </message>
        <message>
            <source>checkout.redirect_url_missing</source>
            <extracomment>Not sent: Settings has no page for the buyer to return to after 3-D Secure, and Antom refuses payments without it.</extracomment>
            <translation>未发送：设置中没有填写 3-D Secure 验证后买家返回的页面，Antom 会拒绝没有该页面的付款。</translation>
        </message>
        <message>
            <source>checkout.closed</source>
            <extracomment>This payment is {status}.</extracomment>
            <translation>这笔付款{status}。</translation>
        </message>
        <message>
            <source>checkout.duplicate</source>
            <extracomment>{card} was charged {amount} at {time} (order {order}, {status}). Charge it again?</extracomment>
            <translation>{card} 已于 {time} 被扣款 {amount}（订单 {order}，{status}）。要再次扣款吗？</translation>
        </message>
        <message>
            <source>payment.not_found</source>
            <extracomment>This payment is not in the journal</extracomment>
            <translation>交易日志中没有这笔付款</translation>
        </message>
        <message>
            <source>payment.changed</source>
            <extracomment>This payment changed meanwhile (now {status}).</extracomment>
            <translation>这笔付款在此期间已变更（现为{status}）。</translation>
        </message>
        <message>
            <source>capture.not_held</source>
            <extracomment>Only a held payment can be captured; this one is {status}.</extracomment>
            <translation>只有已冻结的付款才能请款；这笔付款{status}。</translation>
        </message>
        <message>
            <source>capture.window_passed</source>
            <extracomment>The 7-day window to capture this payment has passed (it ended {deadline} UTC); the hold is released. Take a new payment instead.</extracomment>
            <translation>这笔付款的 7 天请款期限已过（截止于 {deadline} UTC）；冻结已解除。请重新收款。</translation>
        </message>
        <message>
            <source>capture.no_payment_id</source>
            <extracomment>This payment has no Antom payment id yet; try again shortly.</extracomment>
            <translation>这笔付款还没有 Antom 支付 ID；请稍后再试。</translation>
        </message>
        <message>
            <source>capture.done</source>
            <extracomment>Captured {amount}.</extracomment>
            <translation>已请款 {amount}。</translation>
        </message>
        <message>
            <source>capture.refused</source>
            <extracomment>Antom refused the capture: {reason}.</extracomment>
            <translation>Antom 拒绝了请款：{reason}。</translation>
        </message>
        <message>
            <source>capture.pending</source>
            <extracomment>The capture is being confirmed with Antom.</extracomment>
            <translation>正在与 Antom 确认请款。</translation>
        </message>
        <message>
            <source>cancel.captured</source>
            <extracomment>A captured payment cannot be cancelled: refund it instead.</extracomment>
            <translation>已请款的付款不能撤销：请改为退款。</translation>
        </message>
        <message>
            <source>cancel.nothing_to_cancel</source>
            <extracomment>This payment is {status}: nothing to cancel.</extracomment>
            <translation>这笔付款{status}：没有可撤销的内容。</translation>
        </message>
        <message>
            <source>cancel.done</source>
            <extracomment>Cancelled: the hold is released.</extracomment>
            <translation>已撤销：冻结已解除。</translation>
        </message>
        <message>
            <source>cancel.pending</source>
            <extracomment>The cancellation is being confirmed with Antom.</extracomment>
            <translation>正在与 Antom 确认撤销。</translation>
        </message>
        <message>
            <source>cancel.refused</source>
            <extracomment>Antom refused the cancellation ({reason}).</extracomment>
            <translation>Antom 拒绝了撤销（{reason}）。</translation>
        </message>
        <message>
            <source>antom.no_reason</source>
            <extracomment>no reason given</extracomment>
            <translation>未说明原因</translation>
        </message>
        <message>
            <source>refund.not_captured</source>
            <extracomment>Only a paid (captured) payment can be refunded.</extracomment>
            <translation>只有已付款（已请款）的付款才能退款。</translation>
        </message>
        <message>
            <source>refund.currency</source>
            <extracomment>Refund in {currency}.</extracomment>
            <translation>请以 {currency} 退款。</translation>
        </message>
        <message>
            <source>refund.not_positive</source>
            <extracomment>Enter a refund amount above zero.</extracomment>
            <translation>请输入大于零的退款金额。</translation>
        </message>
        <message>
            <source>refund.above_refundable</source>
            <extracomment>At most {amount} can be refunded.</extracomment>
            <translation>最多可退款 {amount}。</translation>
        </message>
        <message>
            <source>refund.above_refundable_pending</source>
            <extracomment>At most {amount} can be refunded (other refunds are still being processed).</extracomment>
            <translation>最多可退款 {amount}（其他退款仍在处理中）。</translation>
        </message>
        <message>
            <source>refund.reason_too_long</source>
            <extracomment>The refund reason has at most {limit} characters.</extracomment>
            <translation>退款原因最多 {limit} 个字符。</translation>
        </message>
        <message>
            <source>refund.done</source>
            <extracomment>Refunded {amount}.</extracomment>
            <translation>已退款 {amount}。</translation>
        </message>
        <message>
            <source>refund.refused</source>
            <extracomment>Antom refused the refund: {reason}.</extracomment>
            <translation>Antom 拒绝了退款：{reason}。</translation>
        </message>
        <message>
            <source>refund.pending</source>
            <extracomment>The refund is being confirmed with Antom.</extracomment>
            <translation>正在与 Antom 确认退款。</translation>
        </message>
        <message>
            <source>pin.wrong_last_attempt</source>
            <extracomment>Wrong PIN: 1 attempt left</extracomment>
            <translation>PIN 码错误：还剩 1 次机会</translation>
        </message>
        <message>
            <source>pin.wrong_attempts_left</source>
            <extracomment>Wrong PIN: {left} attempts left</extracomment>
            <translation>PIN 码错误：还剩 {left} 次机会</translation>
        </message>
        <message>
            <source>pin.wrong_now_locked</source>
            <extracomment>Wrong PIN: approvals are locked for {minutes} minutes</extracomment>
            <translation>PIN 码错误：批准功能已锁定 {minutes} 分钟</translation>
        </message>
        <message>
            <source>pin.locked</source>
            <extracomment>Too many wrong PINs: approvals are locked for {wait}</extracomment>
            <translation>PIN 码错误次数过多：批准功能已锁定，剩余 {wait}</translation>
        </message>
        <message>
            <source>pin.digits_only</source>
            <extracomment>The PIN is digits only</extracomment>
            <translation>PIN 码只能包含数字</translation>
        </message>
        <message>
            <source>pin.length</source>
            <extracomment>The PIN has {min} to {max} digits</extracomment>
            <translation>PIN 码为 {min} 至 {max} 位数字</translation>
        </message>
        <message>
            <source>pin.record_damaged</source>
            <extracomment>The manager PIN record is damaged: approvals are locked until the merchant resets the PIN with `posapp keys reset-pin`</extracomment>
            <translation>经理 PIN 码记录已损坏：批准已锁定，需由商户使用 `posapp keys reset-pin` 重置 PIN 码</translation>
        </message>
        <message>
            <source>pin.not_set_locked</source>
            <extracomment>No manager PIN is stored for this till: approvals are locked until the merchant sets one with `posapp keys reset-pin`</extracomment>
            <translation>此收银台未存储经理 PIN 码：批准已锁定，需由商户使用 `posapp keys reset-pin` 设置</translation>
        </message>
        <message>
            <source>pin.reset_refused</source>
            <extracomment>The merchant credentials given do not match this till's: the PIN was not reset</extracomment>
            <translation>提供的商户凭据与此收银台的不符：PIN 码未重置</translation>
        </message>
        <message>
            <source>pin.reset_needs_merchant</source>
            <extracomment>Resetting the manager PIN needs the merchant's credentials</extracomment>
            <translation>重置经理 PIN 码需要商户凭据</translation>
        </message>
        <message>
            <source>pin.changed_meanwhile</source>
            <extracomment>The PIN was changed meanwhile: enter the new one</extracomment>
            <translation>PIN 码刚刚已被修改：请输入新的 PIN 码</translation>
        </message>
        <message>
            <source>input.card_data</source>
            <extracomment>The {field} looks like card data (a card number or magnetic stripe track): remove it; if it is not a card number, split the digits with a letter or a slash</extracomment>
            <translation>{field}看起来像卡数据（卡号或磁条数据）：请删除；如果不是卡号，请用字母或斜杠分隔数字</translation>
        </message>
        <message>
            <source>field.store_name</source>
            <extracomment>store name</extracomment>
            <translation>店铺名称</translation>
        </message>
        <message>
            <source>field.terminal_id</source>
            <extracomment>terminal id</extracomment>
            <translation>终端号</translation>
        </message>
        <message>
            <source>field.return_page</source>
            <extracomment>return page</extracomment>
            <translation>返回页面</translation>
        </message>
        <message>
            <source>field.description</source>
            <extracomment>description</extracomment>
            <translation>描述</translation>
        </message>
        <message>
            <source>field.refund_reason</source>
            <extracomment>refund reason</extracomment>
            <translation>退款原因</translation>
        </message>
        <message>
            <source>approval.invalid</source>
            <extracomment>This approval is not valid: enter the manager PIN again</extracomment>
            <translation>此批准无效：请重新输入经理 PIN 码</translation>
        </message>
        <message>
            <source>approval.expired</source>
            <extracomment>The approval has expired: enter the manager PIN again</extracomment>
            <translation>批准已过期：请重新输入经理 PIN 码</translation>
        </message>
        <message>
            <source>time.minutes_seconds</source>
            <extracomment>{minutes} min {seconds} s</extracomment>
            <translation>{minutes} 分 {seconds} 秒</translation>
        </message>
        <message>
            <source>time.seconds</source>
            <extracomment>{seconds} s</extracomment>
            <translation>{seconds} 秒</translation>
        </message>
        <message>
            <source>status.intent</source>
            <extracomment>not sent yet</extracomment>
            <translation>尚未发送</translation>
        </message>
        <message>
            <source>status.pending</source>
            <extracomment>checking</extracomment>
            <translation>核实中</translation>
        </message>
        <message>
            <source>status.needs_3ds</source>
            <extracomment>waiting for 3-d secure</extracomment>
            <translation>等待 3-D Secure 验证</translation>
        </message>
        <message>
            <source>status.authorised</source>
            <extracomment>held</extracomment>
            <translation>已冻结</translation>
        </message>
        <message>
            <source>status.capture_pending</source>
            <extracomment>capturing</extracomment>
            <translation>请款中</translation>
        </message>
        <message>
            <source>status.cancel_pending</source>
            <extracomment>cancelling</extracomment>
            <translation>撤销中</translation>
        </message>
        <message>
            <source>status.captured</source>
            <extracomment>paid</extracomment>
            <translation>已付款</translation>
        </message>
        <message>
            <source>status.partially_refunded</source>
            <extracomment>partly refunded</extracomment>
            <translation>部分退款</translation>
        </message>
        <message>
            <source>status.refunded</source>
            <extracomment>refunded</extracomment>
            <translation>已退款</translation>
        </message>
        <message>
            <source>status.declined</source>
            <extracomment>declined</extracomment>
            <translation>已拒绝</translation>
        </message>
        <message>
            <source>status.cancelled</source>
            <extracomment>cancelled</extracomment>
            <translation>已撤销</translation>
        </message>
        <message>
            <source>status.released</source>
            <extracomment>hold expired</extracomment>
            <translation>冻结已过期</translation>
        </message>
        <message>
            <source>status.not_sent</source>
            <extracomment>never sent</extracomment>
            <translation>从未发送</translation>
        </message>
        <message>
            <source>antom.unusable</source>
            <extracomment>The payment service could not be used.</extracomment>
            <translation>无法使用支付服务。</translation>
        </message>
        <message>
            <source>antom.key_unusable</source>
            <extracomment>A key could not be used: check the key files in Settings.</extracomment>
            <translation>有一个密钥无法使用：请在“设置”中检查密钥文件。</translation>
        </message>
        <message>
            <source>antom.request_invalid</source>
            <extracomment>The payment details are not complete or not valid.</extracomment>
            <translation>付款信息不完整或无效。</translation>
        </message>
        <message>
            <source>antom.signature</source>
            <extracomment>The answer from the payment service could not be verified. The payment is being checked again; do not charge the card a second time.</extracomment>
            <translation>无法验证支付服务的应答。系统正在重新核实这笔付款；请勿重复扣款。</translation>
        </message>
        <message>
            <source>antom.unreadable</source>
            <extracomment>The payment service sent an answer that could not be read.</extracomment>
            <translation>支付服务返回的应答无法读取。</translation>
        </message>
        <message>
            <source>antom.no_answer</source>
            <extracomment>The payment service did not answer. The payment is being checked; do not charge the card a second time.</extracomment>
            <translation>支付服务没有应答。系统正在核实这笔付款；请勿重复扣款。</translation>
        </message>
        <message>
            <source>antom.unreachable</source>
            <extracomment>The payment service cannot be reached: check the network connection.</extracomment>
            <translation>无法连接支付服务：请检查网络连接。</translation>
        </message>
        <message>
            <source>antom.http_status</source>
            <extracomment>The payment service reported a technical problem.</extracomment>
            <translation>支付服务报告了技术故障。</translation>
        </message>
        <message>
            <source>antom.repeat_inconsistent</source>
            <extracomment>This payment reference was already used with other details. Start a new payment; the earlier one is unchanged.</extracomment>
            <translation>这个付款编号已用于另一笔信息不同的付款。请新建一笔付款；之前那笔不受影响。</translation>
        </message>
        <message>
            <source>antom.result.param_illegal</source>
            <extracomment>a parameter is missing or invalid</extracomment>
            <translation>有参数缺失或无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_amount</source>
            <extracomment>the amount is not acceptable</extracomment>
            <translation>金额不可接受</translation>
        </message>
        <message>
            <source>antom.result.currency_not_support</source>
            <extracomment>the currency is not in the contract</extracomment>
            <translation>合同不支持该币种</translation>
        </message>
        <message>
            <source>antom.result.access_denied</source>
            <extracomment>access denied</extracomment>
            <translation>访问被拒绝</translation>
        </message>
        <message>
            <source>antom.result.invalid_signature</source>
            <extracomment>Antom could not verify our signature (keys)</extracomment>
            <translation>Antom 无法验证我方签名（请检查密钥）</translation>
        </message>
        <message>
            <source>antom.result.key_not_found</source>
            <extracomment>Antom has no key for this client id / key version</extracomment>
            <translation>Antom 没有此客户端 ID / 密钥版本对应的密钥</translation>
        </message>
        <message>
            <source>antom.result.invalid_client</source>
            <extracomment>the client id is not valid</extracomment>
            <translation>客户端 ID 无效</translation>
        </message>
        <message>
            <source>antom.result.no_interface_def</source>
            <extracomment>the API path is not known to the gateway</extracomment>
            <translation>网关不认识该接口路径</translation>
        </message>
        <message>
            <source>antom.result.invalid_api</source>
            <extracomment>the API is not valid for this client</extracomment>
            <translation>该接口对此客户端无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_merchant_status</source>
            <extracomment>the merchant account is not active</extracomment>
            <translation>商户账户未激活</translation>
        </message>
        <message>
            <source>antom.result.merchant_kyb_not_qualified</source>
            <extracomment>the merchant is not KYB-qualified</extracomment>
            <translation>商户未通过 KYB 审核</translation>
        </message>
        <message>
            <source>antom.result.merchant_not_registered</source>
            <extracomment>the merchant is not registered</extracomment>
            <translation>商户未注册</translation>
        </message>
        <message>
            <source>antom.result.invalid_contract</source>
            <extracomment>the contract does not cover this operation</extracomment>
            <translation>合同不包含此项操作</translation>
        </message>
        <message>
            <source>antom.result.process_fail</source>
            <extracomment>Antom could not process the request</extracomment>
            <translation>Antom 无法处理该请求</translation>
        </message>
        <message>
            <source>antom.result.system_error</source>
            <extracomment>Antom reported a system error</extracomment>
            <translation>Antom 报告系统错误</translation>
        </message>
        <message>
            <source>antom.result.repeat_req_inconsistent</source>
            <extracomment>the request id was used with other data</extracomment>
            <translation>该请求编号已用于其他数据</translation>
        </message>
        <message>
            <source>antom.result.order_not_exist</source>
            <extracomment>no such payment</extracomment>
            <translation>没有这笔付款</translation>
        </message>
        <message>
            <source>antom.result.order_status_invalid</source>
            <extracomment>the payment is not in a state that allows this</extracomment>
            <translation>这笔付款当前的状态不允许此操作</translation>
        </message>
        <message>
            <source>antom.result.order_is_canceled</source>
            <extracomment>the payment was cancelled</extracomment>
            <translation>这笔付款已取消</translation>
        </message>
        <message>
            <source>antom.result.order_is_closed</source>
            <extracomment>the payment is closed</extracomment>
            <translation>这笔付款已关闭</translation>
        </message>
        <message>
            <source>antom.result.invalid_payment_method_meta_data</source>
            <extracomment>the card data is not valid</extracomment>
            <translation>卡片信息无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_card_number</source>
            <extracomment>the card number is not valid</extracomment>
            <translation>卡号无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_expiration_date</source>
            <extracomment>the expiry date is not valid</extracomment>
            <translation>有效期无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_expiry_date_format</source>
            <extracomment>the expiry date is not valid</extracomment>
            <translation>有效期无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_cvv</source>
            <extracomment>the security code is not valid</extracomment>
            <translation>安全码无效</translation>
        </message>
        <message>
            <source>antom.result.invalid_card</source>
            <extracomment>the card is not valid</extracomment>
            <translation>卡片无效</translation>
        </message>
        <message>
            <source>antom.result.authentication_required</source>
            <extracomment>3-D Secure authentication is required</extracomment>
            <translation>需要 3-D Secure 验证</translation>
        </message>
        <message>
            <source>antom.result.selected_card_brand_not_available</source>
            <extracomment>that card brand is not available</extracomment>
            <translation>不支持该卡组织</translation>
        </message>
        <message>
            <source>antom.result.card_not_supported</source>
            <extracomment>the card is not supported</extracomment>
            <translation>不支持此卡</translation>
        </message>
        <message>
            <source>antom.result.card_expired</source>
            <extracomment>the card has expired</extracomment>
            <translation>卡已过期</translation>
        </message>
        <message>
            <source>antom.result.card_bin_query_error</source>
            <extracomment>the card could not be identified</extracomment>
            <translation>无法识别此卡</translation>
        </message>
        <message>
            <source>antom.result.user_balance_not_enough</source>
            <extracomment>insufficient funds</extracomment>
            <translation>卡内余额不足</translation>
        </message>
        <message>
            <source>antom.result.do_not_honor</source>
            <extracomment>declined by the card issuer</extracomment>
            <translation>发卡行拒绝交易</translation>
        </message>
        <message>
            <source>antom.result.issuer_rejects_transaction</source>
            <extracomment>declined by the card issuer</extracomment>
            <translation>发卡行拒绝交易</translation>
        </message>
        <message>
            <source>antom.result.risk_reject</source>
            <extracomment>declined by risk control</extracomment>
            <translation>被风控拒绝</translation>
        </message>
        <message>
            <source>antom.result.fraud_reject</source>
            <extracomment>declined as suspected fraud</extracomment>
            <translation>疑似欺诈，已拒绝</translation>
        </message>
        <message>
            <source>antom.result.suspected_card</source>
            <extracomment>declined: suspected card</extracomment>
            <translation>疑似问题卡，已拒绝</translation>
        </message>
        <message>
            <source>antom.result.suspected_risk</source>
            <extracomment>declined by risk control</extracomment>
            <translation>被风控拒绝</translation>
        </message>
        <message>
            <source>antom.result.user_payment_verification_failed</source>
            <extracomment>cardholder verification failed</extracomment>
            <translation>持卡人验证失败</translation>
        </message>
        <message>
            <source>antom.result.payment_amount_exceed_limit</source>
            <extracomment>the amount is over a limit</extracomment>
            <translation>金额超出限额</translation>
        </message>
        <message>
            <source>antom.result.payment_count_exceed_limit</source>
            <extracomment>too many payments</extracomment>
            <translation>付款次数过多</translation>
        </message>
        <message>
            <source>antom.result.user_amount_exceed_limit</source>
            <extracomment>the cardholder's limit is exceeded</extracomment>
            <translation>超出持卡人的限额</translation>
        </message>
        <message>
            <source>antom.result.user_kyc_not_qualified</source>
            <extracomment>the payer is not qualified</extracomment>
            <translation>付款人未通过身份审核</translation>
        </message>
        <message>
            <source>antom.result.user_status_abnormal</source>
            <extracomment>the payer's account is restricted</extracomment>
            <translation>付款人账户受限</translation>
        </message>
        <message>
            <source>antom.result.verify_times_exceed_limit</source>
            <extracomment>too many verification attempts</extracomment>
            <translation>验证次数过多</translation>
        </message>
        <message>
            <source>antom.result.verify_unmatched</source>
            <extracomment>verification did not match</extracomment>
            <translation>验证信息不符</translation>
        </message>
        <message>
            <source>antom.result.payment_timeout</source>
            <extracomment>the payment expired</extracomment>
            <translation>付款已超时</translation>
        </message>
        <message>
            <source>antom.result.settle_contract_not_match</source>
            <extracomment>the settlement currency is not contracted</extracomment>
            <translation>合同未约定该结算币种</translation>
        </message>
        <message>
            <source>antom.result.no_pay_options</source>
            <extracomment>no payment option is available</extracomment>
            <translation>没有可用的支付方式</translation>
        </message>
        <message>
            <source>antom.result.payment_not_qualified</source>
            <extracomment>the merchant may not take this payment</extracomment>
            <translation>商户无权收取这笔付款</translation>
        </message>
        <message>
            <source>antom.result.payment_prohibited</source>
            <extracomment>the payment is prohibited</extracomment>
            <translation>这笔付款被禁止</translation>
        </message>
        <message>
            <source>antom.result.multi_capture_not_supported</source>
            <extracomment>only one capture is allowed</extracomment>
            <translation>只能请款一次</translation>
        </message>
        <message>
            <source>antom.result.capture_amount_exceed_auth_limit</source>
            <extracomment>more than the authorised amount</extracomment>
            <translation>超出授权金额</translation>
        </message>
        <message>
            <source>antom.result.auth_expired</source>
            <extracomment>the authorisation has expired</extracomment>
            <translation>授权已过期</translation>
        </message>
        <message>
            <source>antom.result.auth_cancelled</source>
            <extracomment>the authorisation was cancelled</extracomment>
            <translation>授权已取消</translation>
        </message>
        <message>
            <source>antom.result.auth_not_found</source>
            <extracomment>no such authorisation</extracomment>
            <translation>没有这笔授权</translation>
        </message>
        <message>
            <source>antom.result.cancel_window_exceed</source>
            <extracomment>too late to cancel; refund instead</extracomment>
            <translation>已过取消期限，请改为退款</translation>
        </message>
        <message>
            <source>antom.result.refund_amount_exceed</source>
            <extracomment>more than the refundable amount</extracomment>
            <translation>超出可退款金额</translation>
        </message>
        <message>
            <source>antom.result.refund_window_exceed</source>
            <extracomment>too late to refund</extracomment>
            <translation>已过退款期限</translation>
        </message>
        <message>
            <source>antom.result.refund_not_supported</source>
            <extracomment>refunds are not supported for this payment</extracomment>
            <translation>这笔付款不支持退款</translation>
        </message>
        <message>
            <source>antom.result.partial_refund_not_supported</source>
            <extracomment>only a full refund is possible</extracomment>
            <translation>只能全额退款</translation>
        </message>
        <message>
            <source>antom.result.refund_not_exist</source>
            <extracomment>no such refund</extracomment>
            <translation>没有这笔退款</translation>
        </message>
        <message>
            <source>journal.unusable</source>
            <extracomment>The payment journal cannot be used.</extracomment>
            <translation>无法使用交易日志。</translation>
        </message>
        <message>
            <source>journal.locked</source>
            <extracomment>The payment journal is busy in another window or program. Wait a moment and try again.</extracomment>
            <translation>交易日志正被另一个窗口或程序占用。请稍候再试。</translation>
        </message>
        <message>
            <source>journal.full</source>
            <extracomment>The disk is full: the payment journal cannot record anything. Free some space.</extracomment>
            <translation>磁盘已满：交易日志无法再记录任何内容。请释放一些空间。</translation>
        </message>
        <message>
            <source>journal.read_only</source>
            <extracomment>The payment journal cannot be written (read-only file or folder). Check the permissions of the data folder.</extracomment>
            <translation>交易日志无法写入（文件或文件夹为只读）。请检查数据文件夹的权限。</translation>
        </message>
        <message>
            <source>journal.corrupt</source>
            <extracomment>The payment journal is damaged. Stop taking payments and restore it from a backup.</extracomment>
            <translation>交易日志已损坏。请停止收款，并从备份中恢复。</translation>
        </message>
        <message>
            <source>journal.unavailable</source>
            <extracomment>The payment journal cannot be opened. Check that the data folder exists.</extracomment>
            <translation>无法打开交易日志。请检查数据文件夹是否存在。</translation>
        </message>
        <message>
            <source>journal.too_new</source>
            <extracomment>This payment journal was written by a newer version of posapp. Install that version (or newer) to open it.</extracomment>
            <translation>此交易日志由更新版本的 posapp 写入。请安装该版本（或更新版本）后再打开。</translation>
        </message>
        <message>
            <source>journal.foreign</source>
            <extracomment>The file in the data folder is not a posapp payment journal (another program's database?). Choose another data folder or move that file away.</extracomment>
            <translation>数据文件夹中的文件不是 posapp 交易日志（可能是其他程序的数据库）。请选择其他数据文件夹，或将该文件移走。</translation>
        </message>
        <message>
            <source>journal.wrong_environment</source>
            <extracomment>This payment journal belongs to {journal} and cannot be opened in {till}. Use that environment's own data folder (--data-dir), or set the till back.</extracomment>
            <translation>此交易日志属于{journal}，不能在{till}中打开。请使用该环境自己的数据文件夹（--data-dir），或将收银台改回该环境。</translation>
        </message>
        <message>
            <source>journal.env.training</source>
            <extracomment>training mode</extracomment>
            <translation>培训模式</translation>
        </message>
        <message>
            <source>journal.env.sandbox</source>
            <extracomment>the Antom sandbox (client id {client_id})</extracomment>
            <translation>Antom 沙箱（客户端 ID {client_id}）</translation>
        </message>
        <message>
            <source>journal.env.production</source>
            <extracomment>production (client id {client_id})</extracomment>
            <translation>正式环境（客户端 ID {client_id}）</translation>
        </message>
        <message>
            <source>journal.env.other</source>
            <extracomment>an unknown environment ({name})</extracomment>
            <translation>未知环境（{name}）</translation>
        </message>
        <message>
            <source>journal.amount_not_positive</source>
            <extracomment>Enter an amount above zero</extracomment>
            <translation>请输入大于零的金额</translation>
        </message>
        <message>
            <source>journal.changed_elsewhere</source>
            <extracomment>This payment changed in another window; refresh and try again.</extracomment>
            <translation>这笔付款已在另一个窗口中被更改；请刷新后重试。</translation>
        </message>
        <message>
            <source>journal.capture_full</source>
            <extracomment>Capture the full amount ({amount}).</extracomment>
            <translation>请按全额请款（{amount}）。</translation>
        </message>
        <message>
            <source>key.cannot_read</source>
            <extracomment>{source}: cannot read the file ({reason})</extracomment>
            <translation>{source}：无法读取该文件（{reason}）</translation>
        </message>
        <message>
            <source>key.file_too_large</source>
            <extracomment>{source}: larger than 64 KiB, not a key file</extracomment>
            <translation>{source}：文件超过 64 KiB，不是密钥文件</translation>
        </message>
        <message>
            <source>key.not_text</source>
            <extracomment>{source}: not a text key (PEM or Base64 expected)</extracomment>
            <translation>{source}：不是文本格式的密钥（应为 PEM 或 Base64）</translation>
        </message>
        <message>
            <source>key.empty</source>
            <extracomment>{source}: the key is empty</extracomment>
            <translation>{source}：密钥为空</translation>
        </message>
        <message>
            <source>key.encrypted_export</source>
            <extracomment>{source}: the key is encrypted with a passphrase; export it unencrypted</extracomment>
            <translation>{source}：密钥已用密码加密；请导出未加密的密钥</translation>
        </message>
        <message>
            <source>key.pem_truncated</source>
            <extracomment>{source}: the PEM key is truncated (no matching END line)</extracomment>
            <translation>{source}：PEM 密钥不完整（缺少对应的 END 行）</translation>
        </message>
        <message>
            <source>key.not_pem</source>
            <extracomment>{source}: not valid PEM or Base64 key text</extracomment>
            <translation>{source}：不是有效的 PEM 或 Base64 密钥文本</translation>
        </message>
        <message>
            <source>key.labelled_not_private</source>
            <extracomment>{source}: this is a {label}, not a private key</extracomment>
            <translation>{source}：这是{label}，不是私钥</translation>
        </message>
        <message>
            <source>key.encrypted</source>
            <extracomment>{source}: the key is encrypted with a passphrase</extracomment>
            <translation>{source}：密钥已用密码加密</translation>
        </message>
        <message>
            <source>key.private_damaged</source>
            <extracomment>{source}: not a usable RSA private key (truncated or damaged)</extracomment>
            <translation>{source}：不是可用的 RSA 私钥（内容不完整或已损坏）</translation>
        </message>
        <message>
            <source>key.private_too_short</source>
            <extracomment>{source}: not a usable RSA private key (too short to be a key)</extracomment>
            <translation>{source}：不是可用的 RSA 私钥（内容太短，不像是密钥）</translation>
        </message>
        <message>
            <source>key.public_not_private</source>
            <extracomment>{source}: this is a public key, not a private key</extracomment>
            <translation>{source}：这是公钥，不是私钥</translation>
        </message>
        <message>
            <source>key.not_rsa</source>
            <extracomment>{source}: not an RSA key ({kind})</extracomment>
            <translation>{source}：不是 RSA 密钥（{kind}）</translation>
        </message>
        <message>
            <source>key.too_small</source>
            <extracomment>{source}: the key has {bits} bits; Antom needs {needed}</extracomment>
            <translation>{source}：密钥只有 {bits} 位；Antom 要求 {needed} 位</translation>
        </message>
        <message>
            <source>key.private_not_public</source>
            <extracomment>{source}: this is a private key; the Antom public key is expected</extracomment>
            <translation>{source}：这是私钥；此处应为 Antom 公钥</translation>
        </message>
        <message>
            <source>key.certificate_damaged</source>
            <extracomment>{source}: the certificate is damaged</extracomment>
            <translation>{source}：证书已损坏</translation>
        </message>
        <message>
            <source>key.public_damaged</source>
            <extracomment>{source}: not a usable RSA public key (truncated or damaged)</extracomment>
            <translation>{source}：不是可用的 RSA 公钥（内容不完整或已损坏）</translation>
        </message>
        <message>
            <source>doctor.private_key_unusable</source>
            <extracomment>unusable merchant private key: {reason}</extracomment>
            <translation>商户私钥无法使用：{reason}</translation>
        </message>
        <message>
            <source>doctor.key_cannot_sign</source>
            <extracomment>{source}: the key cannot sign</extracomment>
            <translation>{source}：该密钥无法签名</translation>
        </message>
        <message>
            <source>doctor.public_key_unusable</source>
            <extracomment>unusable Antom public key: {reason}</extracomment>
            <translation>Antom 公钥无法使用：{reason}</translation>
        </message>
        <message>
            <source>doctor.own_public_key</source>
            <extracomment>{source} is the merchant's own public key, not Antom's: copy the Antom public key from the dashboard</extracomment>
            <translation>{source}是商户自己的公钥，不是 Antom 的公钥：请从 Antom 控制台复制 Antom 公钥</translation>
        </message>
        <message>
            <source>doctor.gateway_refused</source>
            <extracomment>the gateway refused the request: {code} ({reason})</extracomment>
            <translation>网关拒绝了请求：{code}（{reason}）</translation>
        </message>
        <message>
            <source>diagnostics.settings</source>
            <extracomment>settings</extracomment>
            <translation>设置</translation>
        </message>
        <message>
            <source>diagnostics.private_key</source>
            <extracomment>merchant private key ({source})</extracomment>
            <translation>商户私钥（{source}）</translation>
        </message>
        <message>
            <source>diagnostics.private_key_ok</source>
            <extracomment>RSA {bits} bits, signs and verifies with its public half</extracomment>
            <translation>RSA {bits} 位，可用其公钥部分签名并验证</translation>
        </message>
        <message>
            <source>diagnostics.public_key</source>
            <extracomment>Antom public key ({source})</extracomment>
            <translation>Antom 公钥（{source}）</translation>
        </message>
        <message>
            <source>diagnostics.public_key_ok</source>
            <extracomment>RSA {bits} bits, distinct from the merchant key</extracomment>
            <translation>RSA {bits} 位，与商户密钥不同</translation>
        </message>
        <message>
            <source>diagnostics.gateway</source>
            <extracomment>gateway</extracomment>
            <translation>网关</translation>
        </message>
        <message>
            <source>diagnostics.request</source>
            <extracomment>signed inquiryPayment for {request_id} to {url}</extracomment>
            <translation>向 {url} 发送 {request_id} 的签名 inquiryPayment 请求</translation>
        </message>
        <message>
            <source>diagnostics.answered</source>
            <extracomment>answered {status} {code}: {message}</extracomment>
            <translation>应答 {status} {code}：{message}</translation>
        </message>
        <message>
            <source>diagnostics.signature</source>
            <extracomment>answer signature verified with the Antom public key</extracomment>
            <translation>已用 Antom 公钥验证应答签名</translation>
        </message>
        <message>
            <source>diagnostics.answer</source>
            <extracomment>answer</extracomment>
            <translation>应答</translation>
        </message>
        <message>
            <source>settings.redirect_url_missing</source>
            <extracomment>paymentRedirectUrl is not set: {environment} payments would be refused (Settings &gt; Connection &gt; Return page after 3-D Secure)</extracomment>
            <translation>未设置 paymentRedirectUrl：{environment} 付款将被拒绝（设置 &gt; 连接 &gt; 3-D Secure 返回页面）</translation>
        </message>
        <message>
            <source>reason.no_answer</source>
            <extracomment>no verified answer ({error})</extracomment>
            <translation>没有经过验证的应答（{error}）</translation>
        </message>
        <message>
            <source>reason.no_valid_approval</source>
            <extracomment>no valid approval</extracomment>
            <translation>没有有效的批准</translation>
        </message>
        <message>
            <source>reason.no_verified_answer</source>
            <extracomment>no verified answer: {reason}</extracomment>
            <translation>没有经过验证的应答：{reason}</translation>
        </message>
        <message>
            <source>reason.unknown_request_id</source>
            <extracomment>Antom does not know this paymentRequestId, past its expiry</extracomment>
            <translation>Antom 没有这笔付款请求（paymentRequestId）的记录，且已过有效期</translation>
        </message>
        <message>
            <source>reason.inquiry_failed</source>
            <extracomment>payment failed (inquiry)</extracomment>
            <translation>付款失败（查询结果）</translation>
        </message>
        <message>
            <source>reason.capture_refused</source>
            <extracomment>capture refused: {code}</extracomment>
            <translation>请款被拒：{code}</translation>
        </message>
        <message>
            <source>reason.cancel_refused</source>
            <extracomment>cancel refused: {code}</extracomment>
            <translation>撤销被拒：{code}</translation>
        </message>
        <message>
            <source>reason.capture_window_passed</source>
            <extracomment>7-day capture window passed</extracomment>
            <translation>7 天请款期限已过</translation>
        </message>
        <message>
            <source>reason.notify_failed</source>
            <extracomment>notifyPayment: failed</extracomment>
            <translation>付款通知：失败</translation>
        </message>
        <message>
            <source>reason.refused_before_sending</source>
            <extracomment>refused before sending</extracomment>
            <translation>发送前被拒绝</translation>
        </message>
        <message>
            <source>reason.not_sent</source>
            <extracomment>not sent: {error}</extracomment>
            <translation>未发送：{error}</translation>
        </message>
        <message>
            <source>capture.still_checking</source>
            <extracomment>This payment is still being checked; capture it in a moment.</extracomment>
            <translation>这笔付款仍在核实中；请稍后再请款。</translation>
        </message>
        <message>
            <source>refund.not_yet</source>
            <extracomment>This payment cannot be refunded yet.</extracomment>
            <translation>这笔付款暂时还不能退款。</translation>
        </message>
        <message>
            <source>credentials.client_id_empty</source>
            <extracomment>the client id is empty</extracomment>
            <translation>客户端 ID 为空</translation>
        </message>
        <message>
            <source>credentials.client_id_format</source>
            <extracomment>the client id must be 1 to 64 characters without spaces</extracomment>
            <translation>客户端 ID 须为 1 到 64 个字符，且不含空格</translation>
        </message>
        <message>
            <source>credentials.cannot_sign</source>
            <extracomment>the merchant private key cannot produce a valid signature</extracomment>
            <translation>商户私钥无法生成有效的签名</translation>
        </message>
        <message>
            <source>credentials.own_public_key</source>
            <extracomment>the Antom public key is the merchant's own public key; use the Antom public key shown in the Antom dashboard</extracomment>
            <translation>所填的 Antom 公钥其实是商户自己的公钥；请使用 Antom 控制台中显示的 Antom 公钥</translation>
        </message>
        <!-- issue 10: keyed approvals and journal (approvals branch) -->
        <message>
            <source>journal.key_mismatch</source>
            <extracomment>This journal is sealed with another install's journal key, so posapp cannot add to it: restore this install's key (keyring) or use a new data folder.</extracomment>
            <translation>此账本已用另一台安装的账本密钥封存，posapp 无法向其中追加记录：请恢复本机的密钥（系统密钥环），或使用新的数据文件夹。</translation>
        </message>
        <message>
            <source>journal.key_missing</source>
            <extracomment>This journal is sealed with this install's journal key, which is not available (is the system keyring unlocked?)</extracomment>
            <translation>此账本已用本机的账本密钥封存，但该密钥不可用（系统密钥环是否已解锁？）</translation>
        </message>
        <message>
            <source>approval.no_key</source>
            <extracomment>Manager approvals need this install's journal key, which is not available (is the system keyring unlocked?)</extracomment>
            <translation>经理批准需要本机的账本密钥，但该密钥不可用（系统密钥环是否已解锁？）</translation>
        </message>
        <message>
            <source>approval.refused_no_valid</source>
            <extracomment>Refused: no valid approval. Nothing was sent to Antom; the attempt is journaled.</extracomment>
            <translation>已拒绝：没有有效的批准。未向 Antom 发送任何内容；此次尝试已记入账本。</translation>
        </message>
        <message>
            <source>approval.refused_line</source>
            <extracomment>refused: no valid approval</extracomment>
            <translation>已拒绝：没有有效的批准</translation>
        </message>
        <message>
            <source>journal_key.damaged</source>
            <extracomment>The journal key in {where} is damaged: posapp cannot check approvals or the journal without it. Restore it from a backup.</extracomment>
            <translation>{where} 中的账本密钥已损坏：没有它，posapp 无法核对批准和账本。请从备份中恢复。</translation>
        </message>
        <message>
            <source>journal_key.keyring</source>
            <extracomment>The journal key cannot be read from the system keyring: {problem}</extracomment>
            <translation>无法从系统密钥环读取账本密钥：{problem}</translation>
        </message>
        <message>
            <source>journal_key.cannot_write</source>
            <extracomment>Cannot write the journal key {path}: {problem}</extracomment>
            <translation>无法写入账本密钥 {path}：{problem}</translation>
        </message>
        <message>
            <source>duplicate.nothing_to_undo</source>
            <extracomment>This payment no longer holds money (it is {status}): nothing to undo.</extracomment>
            <translation>这笔付款已不再占用资金（{status}）：无需退回。</translation>
        </message>
        <message>
            <source>duplicate.already_undoing</source>
            <extracomment>This payment is already being given back.</extracomment>
            <translation>这笔付款正在退回中。</translation>
        </message>
        <message>
            <source>duplicate.last_payment</source>
            <extracomment>Order {order} has no other successful payment: this one is not a duplicate.</extracomment>
            <translation>订单 {order} 没有其他成功付款：这笔不是重复付款。</translation>
        </message>
        <message>
            <source>duplicate.wait</source>
            <extracomment>This payment is {status}: wait until it settles, then try again.</extracomment>
            <translation>这笔付款{status}：请等它处理完成后再试。</translation>
        </message>
        <message>
            <source>card.brand_not_on_card</source>
            <extracomment>This card does not carry {brand}: choose one of {brands}</extracomment>
            <translation>此卡不支持 {brand}：请从 {brands} 中选择</translation>
        </message>
        <message>
            <source>card.missing</source>
            <extracomment>Enter a card or choose a saved card</extracomment>
            <translation>请输入卡号或选择已保存的卡</translation>
        </message>
        <message>
            <source>installments.no_longer</source>
            <extracomment>The {periods}-instalment plan no longer applies to this card and amount: choose again.</extracomment>
            <translation>{periods} 期分期方案已不适用于此卡和金额：请重新选择。</translation>
        </message>
        <message>
            <source>installments.not_mit</source>
            <extracomment>Instalments are chosen by the customer: not for a charge without them</extracomment>
            <translation>分期由顾客选择：顾客不在场的扣款不能分期</translation>
        </message>
        <message>
            <source>installments.unconfirmed</source>
            <extracomment>Antom could not confirm the instalment plan ({error}): try again, or pay in full.</extracomment>
            <translation>Antom 无法确认分期方案（{error}）：请重试，或全额付款。</translation>
        </message>
        <message>
            <source>mit.no_3ds</source>
            <extracomment>A charge without the customer runs without 3-D Secure</extracomment>
            <translation>顾客不在场的扣款不进行 3-D Secure 验证</translation>
        </message>
        <message>
            <source>mit.no_valid_approval</source>
            <extracomment>Refused: no valid manager approval for this charge. Nothing was sent to Antom.</extracomment>
            <translation>已拒绝：此笔扣款没有有效的经理批准。未向 Antom 发送任何内容。</translation>
        </message>
        <message>
            <source>mit.reason_missing</source>
            <extracomment>Enter why the customer is charged</extracomment>
            <translation>请输入向顾客扣款的原因</translation>
        </message>
        <message>
            <source>mpi.cavv</source>
            <extracomment>The CAVV is 28 characters (base64) or 40 hexadecimal digits</extracomment>
            <translation>CAVV 为 28 个字符（base64）或 40 个十六进制数字</translation>
        </message>
        <message>
            <source>mpi.ds_id</source>
            <extracomment>The DS transaction id is a UUID (8-4-4-4-12 hexadecimal digits), for 3-D Secure 2 only</extracomment>
            <translation>DS 交易编号是 UUID（8-4-4-4-12 位十六进制数字），仅用于 3-D Secure 2</translation>
        </message>
        <message>
            <source>mpi.eci</source>
            <extracomment>The ECI is two digits, 00 to 07</extracomment>
            <translation>ECI 为两位数字，00 至 07</translation>
        </message>
        <message>
            <source>mpi.version</source>
            <extracomment>Choose the 3-D Secure version: {versions}</extracomment>
            <translation>请选择 3-D Secure 版本：{versions}</translation>
        </message>
        <message>
            <source>saved_card.already</source>
            <extracomment>This card is already saved</extracomment>
            <translation>此卡已保存</translation>
        </message>
        <message>
            <source>saved_card.damaged</source>
            <extracomment>This saved card's stored token is damaged: remove it and save the card again.</extracomment>
            <translation>此已保存卡的令牌已损坏：请移除后重新保存此卡。</translation>
        </message>
        <message>
            <source>saved_card.expired</source>
            <extracomment>This saved card expired at the end of {expiry}: ask the customer for a new card.</extracomment>
            <translation>此已保存的卡已于 {expiry} 月底过期：请顾客提供新卡。</translation>
        </message>
        <message>
            <source>saved_card.key_unavailable</source>
            <extracomment>The saved cards' key in {where} cannot be used: {problem}</extracomment>
            <translation>{where} 中的已保存卡密钥无法使用：{problem}</translation>
        </message>
        <message>
            <source>saved_card.no_key</source>
            <extracomment>Saved cards need this install's card key, which is not available: {why}</extracomment>
            <translation>已保存的卡需要本机的卡密钥，但该密钥不可用：{why}</translation>
        </message>
        <message>
            <source>saved_card.no_network_id</source>
            <extracomment>This saved card has no network transaction id from its first payment: it can be charged only with the customer present.</extracomment>
            <translation>此已保存的卡没有首笔付款的网络交易编号：只能在顾客在场时扣款。</translation>
        </message>
        <message>
            <source>saved_card.not_ready</source>
            <extracomment>This card is not saved yet: its first payment is still being checked.</extracomment>
            <translation>此卡尚未保存：其首笔付款仍在核对中。</translation>
        </message>
        <message>
            <source>saved_card.other_key</source>
            <extracomment>This saved card was stored under another key: remove it and save the card again.</extracomment>
            <translation>此已保存的卡是用另一把密钥保存的：请移除后重新保存此卡。</translation>
        </message>
        <message>
            <source>saved_card.removed</source>
            <extracomment>This saved card was removed: ask the customer for a card.</extracomment>
            <translation>此已保存的卡已被移除：请顾客提供卡片。</translation>
        </message>
        <message>
            <source>saved_card.removed_already</source>
            <extracomment>This saved card was removed already.</extracomment>
            <translation>此已保存的卡早已移除。</translation>
        </message>
        <message>
            <source>saved_card.removed_here</source>
            <extracomment>Removed from this till. Antom could not confirm the token was unbound.</extracomment>
            <translation>已从本收银台移除。Antom 未能确认令牌已解绑。</translation>
        </message>
        <message>
            <source>saved_card.removed_ok</source>
            <extracomment>The saved card was removed.</extracomment>
            <translation>已移除此已保存的卡。</translation>
        </message>
        <message>
            <source>saved_card.unavailable</source>
            <extracomment>Saved cards are not available</extracomment>
            <translation>已保存的卡功能不可用</translation>
        </message>
        <message>
            <source>mpi.eci_brand</source>
            <extracomment>ECI {eci} is not a {brand} value: the external 3-D Secure result is for another card</extracomment>
            <translation>ECI {eci} 不是 {brand} 的取值：此外部 3-D Secure 验证结果属于另一张卡</translation>
        </message>
        <message>
            <source>day.close_future</source>
            <extracomment>{day} has not begun: it cannot be closed.</extracomment>
            <translation>{day} 尚未开始，无法日结。</translation>
        </message>
        <message>
            <source>day.closed_already</source>
            <extracomment>{day} is closed already.</extracomment>
            <translation>{day} 已经日结。</translation>
        </message>
        <message>
            <source>day.close_needs_till</source>
            <extracomment>Close the day at the till (manager PIN).</extracomment>
            <translation>请在收银台进行日结（需要经理 PIN 码）。</translation>
        </message>
        <message>
            <source>journal_server.keyring</source>
            <extracomment>the password cannot be stored: no usable system keyring ({detail})</extracomment>
            <translation>无法保存密码：没有可用的系统密钥环（{detail}）</translation>
        </message>
        <message>
            <source>journal_server.unreachable</source>
            <extracomment>{server} does not answer: {detail}</extracomment>
            <translation>{server} 没有应答：{detail}</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Choose the %1 file</source>
            <translation>请选择%1文件</translation>
        </message>
        <message>
            <source>%1 is too large to be a key file</source>
            <translation>%1 太大，不可能是密钥文件</translation>
        </message>
        <message>
            <source>%1 does not exist</source>
            <translation>%1 不存在</translation>
        </message>
        <message>
            <source>%1 is not a text (PEM) key file</source>
            <translation>%1 不是文本（PEM）密钥文件</translation>
        </message>
        <message>
            <source>cannot read %1: %2</source>
            <translation>无法读取 %1：%2</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <source>Connection</source>
            <translation>连接</translation>
        </message>
        <message>
            <source>Till</source>
            <translation>收银台</translation>
        </message>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
        <message>
            <source>Training (embedded sandbox, no real money)</source>
            <translation>培训（内置沙箱，无真实资金）</translation>
        </message>
        <message>
            <source>Antom sandbox (test account)</source>
            <translation>Antom 沙箱（测试账户）</translation>
        </message>
        <message>
            <source>Production (live payments)</source>
            <translation>生产（真实付款）</translation>
        </message>
        <message>
            <source>Environment</source>
            <translation>环境</translation>
        </message>
        <message>
            <source>&amp;Environment</source>
            <translation>环境(&amp;E)</translation>
        </message>
        <message>
            <source>Asia</source>
            <translation>亚洲</translation>
        </message>
        <message>
            <source>North America</source>
            <translation>北美</translation>
        </message>
        <message>
            <source>United States merchants</source>
            <translation>美国商户</translation>
        </message>
        <message>
            <source>Europe</source>
            <translation>欧洲</translation>
        </message>
        <message>
            <source>Custom URL</source>
            <translation>自定义 URL</translation>
        </message>
        <message>
            <source>Gateway region</source>
            <translation>网关区域</translation>
        </message>
        <message>
            <source>&amp;Gateway</source>
            <translation>网关(&amp;G)</translation>
        </message>
        <message>
            <source>Custom gateway URL</source>
            <translation>自定义网关 URL</translation>
        </message>
        <message>
            <source>Custom &amp;URL</source>
            <translation>自定义 URL(&amp;U)</translation>
        </message>
        <message>
            <source>Client id</source>
            <translation>客户端 ID</translation>
        </message>
        <message>
            <source>&amp;Client id</source>
            <translation>客户端 ID(&amp;C)</translation>
        </message>
        <message>
            <source>Merchant private key file</source>
            <translation>商户私钥文件</translation>
        </message>
        <message>
            <source>Antom public key file</source>
            <translation>Antom 公钥文件</translation>
        </message>
        <message>
            <source>Merchant &amp;private key</source>
            <translation>商户私钥(&amp;P)</translation>
        </message>
        <message>
            <source>Antom p&amp;ublic key</source>
            <translation>Antom 公钥(&amp;U)</translation>
        </message>
        <message>
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <source>Browse for %1</source>
            <translation>浏览%1</translation>
        </message>
        <message>
            <source>&amp;Import keys into the keyring</source>
            <translation>将密钥导入密钥环(&amp;I)</translation>
        </message>
        <message>
            <source>&amp;Test connection</source>
            <translation>测试连接(&amp;T)</translation>
        </message>
        <message>
            <source>Connection test results</source>
            <translation>连接测试结果</translation>
        </message>
        <message>
            <source>Terminal id</source>
            <translation>终端 ID</translation>
        </message>
        <message>
            <source>&amp;Terminal id</source>
            <translation>终端 ID(&amp;T)</translation>
        </message>
        <message>
            <source>Store name on receipts</source>
            <translation>小票上的店名</translation>
        </message>
        <message>
            <source>&amp;Store name</source>
            <translation>店名(&amp;S)</translation>
        </message>
        <message>
            <source>Currency</source>
            <translation>币种</translation>
        </message>
        <message>
            <source>C&amp;urrency</source>
            <translation>币种(&amp;U)</translation>
        </message>
        <message>
            <source>Follow the computer</source>
            <translation>跟随系统</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <source>&amp;Language</source>
            <translation>语言(&amp;L)</translation>
        </message>
        <message>
            <source>&amp;Current PIN</source>
            <translation>当前 PIN 码(&amp;C)</translation>
        </message>
        <message>
            <source>Current manager PIN</source>
            <translation>当前经理 PIN 码</translation>
        </message>
        <message>
            <source>&amp;New PIN</source>
            <translation>新 PIN 码(&amp;N)</translation>
        </message>
        <message>
            <source>New manager PIN</source>
            <translation>新经理 PIN 码</translation>
        </message>
        <message>
            <source>&amp;Repeat new PIN</source>
            <translation>再次输入新 PIN 码(&amp;R)</translation>
        </message>
        <message>
            <source>Repeat the new PIN</source>
            <translation>再次输入新 PIN 码</translation>
        </message>
        <message>
            <source>Change &amp;PIN</source>
            <translation>修改 PIN 码(&amp;P)</translation>
        </message>
        <message>
            <source>A PIN has %1 to %2 digits. It approves captures, cancels and refunds.</source>
            <translation>PIN 码为 %1 至 %2 位数字，用于批准请款、撤销和退款。</translation>
        </message>
        <message>
            <source>Key files (*.pem *.key *.txt);;All files (*)</source>
            <translation>密钥文件 (*.pem *.key *.txt);;所有文件 (*)</translation>
        </message>
        <message>
            <source>Training mode uses the embedded sandbox's own keys.</source>
            <translation>培训模式使用内置沙箱自带的密钥。</translation>
        </message>
        <message>
            <source>Keys are stored in the keyring.</source>
            <translation>密钥已保存在密钥环中。</translation>
        </message>
        <message>
            <source>No keys stored for this environment yet.</source>
            <translation>此环境尚未保存密钥。</translation>
        </message>
        <message>
            <source>Enter the client id from the Antom dashboard</source>
            <translation>请输入 Antom 控制台中的客户端 ID</translation>
        </message>
        <message>
            <source>merchant private key</source>
            <translation>商户私钥</translation>
        </message>
        <message>
            <source>Antom public key</source>
            <translation>Antom 公钥</translation>
        </message>
        <message>
            <source>Checking the keys…</source>
            <translation>正在检查密钥…</translation>
        </message>
        <message>
            <source>Keys checked (sign and verify) and stored in the keyring.</source>
            <translation>密钥已检查（签名和验签）并保存到密钥环。</translation>
        </message>
        <message>
            <source>Not stored: %1</source>
            <translation>未保存：%1</translation>
        </message>
        <message>
            <source>Testing…</source>
            <translation>正在测试…</translation>
        </message>
        <message>
            <source>No checks ran.</source>
            <translation>未运行任何检查。</translation>
        </message>
        <message>
            <source>The two new PINs are not the same</source>
            <translation>两次输入的新 PIN 码不一致</translation>
        </message>
        <message>
            <source>Changing…</source>
            <translation>正在修改…</translation>
        </message>
        <message>
            <source>The manager PIN was changed.</source>
            <translation>经理 PIN 码已修改。</translation>
        </message>
        <message>
            <source>The settings could not be saved: %1</source>
            <translation>无法保存设置：%1</translation>
        </message>
        <message>
            <source>Page the buyer returns to after 3-D Secure</source>
            <translation>3-D Secure 验证后买家返回的页面</translation>
        </message>
        <message>
            <source>&amp;Return page after 3-D Secure</source>
            <translation>3-D Secure 返回页面(&amp;R)</translation>
        </message>
        <message>
            <source>Same as the sale</source>
            <translation>与交易币种相同</translation>
        </message>
        <message>
            <source>Settlement currency</source>
            <translation>结算币种</translation>
        </message>
        <message>
            <source>Settle&amp;ment currency</source>
            <translation>结算币种(&amp;M)</translation>
        </message>
        <message>
            <source>Antom refuses every payment without this page: enter it before leaving training mode</source>
            <translation>没有此页面 Antom 会拒绝所有付款：离开培训模式前请填写</translation>
        </message>
        <message>
            <source>Use at most %1 characters</source>
            <translation>最多 %1 个字符</translation>
        </message>
        <message>
            <source>Enter a URL such as https://shop.example/paid</source>
            <translation>请输入网址，例如 https://shop.example/paid</translation>
        </message>
        <message>
            <source>Outside training the page must start with https://</source>
            <translation>非培训模式下该页面必须以 https:// 开头</translation>
        </message>
        <message>
            <source>Training uses the sandbox's own page</source>
            <translation>培训模式使用沙箱自带的页面</translation>
        </message>
        <message>
            <source>Accept an e&amp;xternal 3-D Secure result (MPI) in New payment</source>
            <translation>在“新付款”中接受外部 3-D Secure 验证结果（MPI）(&amp;X)</translation>
        </message>
        <message>
            <source>External 3-D Secure result</source>
            <translation>外部 3-D Secure 验证结果</translation>
        </message>
        <message>
            <source>Store</source>
            <translation>门店</translation>
        </message>
        <message>
            <source>Till: keys card payments</source>
            <translation>收银台：录入银行卡付款</translation>
        </message>
        <message>
            <source>Back office: no card entry; every till's payments</source>
            <translation>后台：不录入银行卡；处理全部收银台的付款</translation>
        </message>
        <message>
            <source>Role of this computer</source>
            <translation>本机用途</translation>
        </message>
        <message>
            <source>&amp;Role</source>
            <translation>用途(&amp;R)</translation>
        </message>
        <message>
            <source>This &amp;computer (SQLite)</source>
            <translation>本机(&amp;C)（SQLite）</translation>
        </message>
        <message>
            <source>Store ser&amp;ver (PostgreSQL)</source>
            <translation>门店服务器(&amp;V)（PostgreSQL）</translation>
        </message>
        <message>
            <source>&amp;Journal</source>
            <translation>交易日志(&amp;J)</translation>
        </message>
        <message>
            <source>Store server URL</source>
            <translation>门店服务器 URL</translation>
        </message>
        <message>
            <source>T&amp;est</source>
            <translation>测试(&amp;E)</translation>
        </message>
        <message>
            <source>Connect to the store server now</source>
            <translation>立即连接门店服务器</translation>
        </message>
        <message>
            <source>Server &amp;URL</source>
            <translation>服务器 URL(&amp;U)</translation>
        </message>
        <message>
            <source>Store server password</source>
            <translation>门店服务器密码</translation>
        </message>
        <message>
            <source>Leave empty to keep the stored one</source>
            <translation>留空则保留已保存的密码</translation>
        </message>
        <message>
            <source>&amp;Password</source>
            <translation>密码(&amp;P)</translation>
        </message>
        <message>
            <source>The password goes into the system keyring (service %1), never into the settings file. Every till and the back office name the same server; the choice applies when posapp starts again.</source>
            <translation>密码保存在系统密钥环中（服务 %1），绝不写入设置文件。所有收银台和后台都应填写同一台服务器；此项在 posapp 重新启动后生效。</translation>
        </message>
        <message>
            <source>Enter the store server's postgresql://user@host/database URL</source>
            <translation>请输入门店服务器的 postgresql://用户@主机/数据库 URL</translation>
        </message>
        <message>
            <source>Remove the password from the URL: type it in the Password field, which keeps it in the system keyring</source>
            <translation>请从 URL 中删除密码：在“密码”栏输入，它会保存在系统密钥环中</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>正在连接…</translation>
        </message>
        <message>
            <source>Connected: %1</source>
            <translation>已连接：%1</translation>
        </message>
        <message>
            <source>The password cannot be stored in this build</source>
            <translation>此版本无法保存密码</translation>
        </message>
    </context>
    <!-- first hour (issue 11): duplicate wording, Orders' end button, export count, AVS/CVV
         words in the details pane, 3-D Secure without a browser -->
    <context>
        <name>NewPaymentView</name>
        <message>
            <source>Order %1 already has a payment that holds money or is being checked (one successful payment per order):
%2</source>
            <translation>订单 %1 已有一笔占用资金或正在核实的付款（每个订单只能有一笔成功付款）：
%2</translation>
        </message>
    </context>
    <context>
        <name>OrdersView</name>
        <message>
            <source>Jump to oldest</source>
            <translation>跳到最早</translation>
        </message>
        <message>
            <source>Go to the oldest order, at the end of the list (Ctrl+End)</source>
            <translation>转到最早的订单，位于列表末尾（Ctrl+End）</translation>
        </message>
        <message>
            <source>Jump to end</source>
            <translation>跳到末尾</translation>
        </message>
        <message>
            <source>Go to the hold with the most time left, at the end (Ctrl+End)</source>
            <translation>转到剩余时间最长的预授权，位于列表末尾（Ctrl+End）</translation>
        </message>
        <message numerus="yes">
            <source>%n row(s) exported to %1</source>
            <translation>
                <numerusform>已导出 %n 行到 %1</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>PaymentDetails</name>
        <message>
            <source>Address check (AVS)</source>
            <translation>地址核验（AVS）</translation>
        </message>
        <message>
            <source>Security code check</source>
            <translation>安全码核验</translation>
        </message>
    </context>
    <context>
        <name>ResultPanel</name>
        <message>
            <source>Copy the link</source>
            <translation>复制链接</translation>
        </message>
        <message>
            <source>Copy the 3-D Secure link</source>
            <translation>复制 3-D Secure 链接</translation>
        </message>
        <message>
            <source>Copy the 3-D Secure page's address</source>
            <translation>复制 3-D Secure 页面的地址</translation>
        </message>
        <message>
            <source>No browser could be opened on this till. Open the 3-D Secure page below on a device the cardholder can use (copy the link), and they confirm the payment there. This panel updates when they are done.</source>
            <translation>此收银台无法打开浏览器。请在持卡人可使用的设备上打开下方的 3-D Secure 页面（可复制链接），由持卡人在该页面确认付款。完成后此面板会自动更新。</translation>
        </message>
        <message>
            <source>3DS page: %1</source>
            <translation>3DS 页面：%1</translation>
        </message>
    </context>
    <context>
        <name>ReconciliationView</name>
        <message>
            <source>Difference</source>
            <translation>差异</translation>
        </message>
        <message>
            <source>File</source>
            <translation>文件</translation>
        </message>
        <message>
            <source>Line</source>
            <translation>行</translation>
        </message>
        <message>
            <source>Type</source>
            <translation>类型</translation>
        </message>
        <message>
            <source>Request id</source>
            <translation>请求号</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>posapp</source>
            <translation>posapp</translation>
        </message>
        <message>
            <source>Antom</source>
            <translation>Antom</translation>
        </message>
        <message numerus="yes">
            <source>%1: imported before; nothing changed (%n difference(s)).</source>
            <translation>
                <numerusform>%1：之前已导入，未作任何更改（%n 处差异）。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%1: %n difference(s).</source>
            <translation>
                <numerusform>%1：%n 处差异。</numerusform>
            </translation>
        </message>
        <message>
            <source>At Antom, not in posapp</source>
            <translation>Antom 有，posapp 没有</translation>
        </message>
        <message>
            <source>In posapp, not at Antom</source>
            <translation>posapp 有，Antom 没有</translation>
        </message>
        <message>
            <source>Amount differs</source>
            <translation>金额不一致</translation>
        </message>
        <message>
            <source>Currency differs</source>
            <translation>币种不一致</translation>
        </message>
        <message>
            <source>Status differs</source>
            <translation>状态不一致</translation>
        </message>
        <message>
            <source>Several payments for one order</source>
            <translation>同一订单多笔付款</translation>
        </message>
        <message>
            <source>Reconciliation</source>
            <translation>对账</translation>
        </message>
        <message>
            <source>Import Antom reports…</source>
            <translation>导入 Antom 对账文件…</translation>
        </message>
        <message>
            <source>Import Antom's transaction and settlement details files (CSV). Importing a file again changes nothing.</source>
            <translation>导入 Antom 的交易明细和结算明细文件（CSV）。重复导入同一文件不会改变任何内容。</translation>
        </message>
        <message>
            <source>All differences</source>
            <translation>全部差异</translation>
        </message>
        <message>
            <source>All files</source>
            <translation>全部文件</translation>
        </message>
        <message>
            <source>Request id, order or payment id</source>
            <translation>请求号、订单号或付款号</translation>
        </message>
        <message>
            <source>Export CSV…</source>
            <translation>导出 CSV…</translation>
        </message>
        <message>
            <source>Export PDF…</source>
            <translation>导出 PDF…</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <source>Show:</source>
            <translation>显示：</translation>
        </message>
        <message>
            <source>Import Antom reports</source>
            <translation>导入 Antom 对账文件</translation>
        </message>
        <message>
            <source>Antom reports (*.csv);;All files (*)</source>
            <translation>Antom 对账文件 (*.csv);;所有文件 (*)</translation>
        </message>
        <message>
            <source>Matching line %1 of %2…</source>
            <translation>正在核对第 %1 行，共 %2 行…</translation>
        </message>
        <message>
            <source>Columns posapp does not know were ignored: %1</source>
            <translation>已忽略 posapp 不认识的列：%1</translation>
        </message>
        <message>
            <source>Nothing was imported: this file cannot be used.</source>
            <translation>未导入任何内容：此文件无法使用。</translation>
        </message>
        <message>
            <source>Nothing was imported: the journal could not be written.</source>
            <translation>未导入任何内容：无法写入交易日志。</translation>
        </message>
        <message>
            <source>Everything matches.</source>
            <translation>全部一致。</translation>
        </message>
        <message>
            <source>No report imported yet.</source>
            <translation>尚未导入对账文件。</translation>
        </message>
        <message>
            <source>Export differences as CSV</source>
            <translation>将差异导出为 CSV</translation>
        </message>
        <message>
            <source>Export differences as PDF</source>
            <translation>将差异导出为 PDF</translation>
        </message>
        <message>
            <source>Reconciliation with Antom</source>
            <translation>与 Antom 对账</translation>
        </message>
        <message>
            <source>The first %1 of %2 differences; the CSV export has them all.</source>
            <translation>共 %2 处差异中的前 %1 处；CSV 导出包含全部差异。</translation>
        </message>
        <message>
            <source>Saved %1 (%2 rows).</source>
            <translation>已保存 %1（%2 行）。</translation>
        </message>
        <message>
            <source>The export could not be saved: %1</source>
            <translation>无法保存导出文件：%1</translation>
        </message>
        <message numerus="yes">
            <source>Checking %n file(s)…</source>
            <translation>
                <numerusform>正在检查 %n 个文件…</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n difference(s)</source>
            <translation>
                <numerusform>%n 处差异</numerusform>
            </translation>
        </message>
        <message>
            <source>Resolved</source>
            <translation>已解决</translation>
        </message>
        <message>
            <source>Import Antom&apos;s transaction and settlement details files (CSV). A file is not signed: a line that would settle a payment makes posapp ask Antom, and Antom&apos;s answer decides. Importing a file again only asks Antom about the lines it could not confirm before.</source>
            <translation>导入 Antom 的交易明细和结算明细文件（CSV）。文件没有签名：凡是会结清某笔付款的行，posapp 都会向 Antom 查询，以 Antom 的答复为准。再次导入同一文件时，只会就之前未能确认的行向 Antom 查询。</translation>
        </message>
        <message>
            <source>Open</source>
            <translation>未解决</translation>
        </message>
        <message>
            <source>Open and resolved</source>
            <translation>未解决和已解决</translation>
        </message>
        <message>
            <source>Resolve…</source>
            <translation>解决…</translation>
        </message>
        <message>
            <source>File says settled, not confirmed by Antom</source>
            <translation>文件称已结算，Antom 未确认</translation>
        </message>
        <message>
            <source>%1 lines, %2 matched, %3 settled by Antom&apos;s answer.</source>
            <translation>共 %1 行，%2 行一致，%3 笔依据 Antom 的答复结算。</translation>
        </message>
        <message numerus="yes">
            <source>%n line(s) not confirmed before were checked with Antom.</source>
            <translation>
                <numerusform>之前未确认的 %n 行已向 Antom 核实。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n line(s) say a payment was settled, but Antom did not confirm it: nothing was changed. Import the file again when the till is online.</source>
            <translation>
                <numerusform>%n 行称付款已结算，但 Antom 未确认：未做任何更改。请在收银台联网时再次导入该文件。</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ResolveDialog</name>
        <message>
            <source>Resolve a difference</source>
            <translation>解决差异</translation>
        </message>
        <message>
            <source>How it was resolved (who checked what)</source>
            <translation>如何解决（谁核对了什么）</translation>
        </message>
        <message>
            <source>Mark resolved</source>
            <translation>标记为已解决</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>备注</translation>
        </message>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
        <message>
            <source>Say how the difference was resolved.</source>
            <translation>请说明差异是如何解决的。</translation>
        </message>
    </context>
    <context>
        <name>BackendAdapter</name>
        <message>
            <source>Training sandbox at %1</source>
            <translation>培训沙箱位于 %1</translation>
        </message>
        <message>
            <source>Antom sandbox · %1</source>
            <translation>Antom 沙箱 · %1</translation>
        </message>
        <message>
            <source>Antom production · %1</source>
            <translation>Antom 生产环境 · %1</translation>
        </message>
        <message>
            <source>No answer from %1 — payments are settled when it is back</source>
            <translation>%1 无响应 — 恢复后将自动结算付款</translation>
        </message>
        <message>
            <source> · settling paused</source>
            <translation> · 结算已暂停</translation>
        </message>
        <message>
            <source>Training sandbox</source>
            <translation>培训沙箱</translation>
        </message>
        <message>
            <source>the sandbox is not running</source>
            <translation>沙箱未运行</translation>
        </message>
        <message>
            <source>Keys</source>
            <translation>密钥</translation>
        </message>
        <message>
            <source>no keys for %1 in the keyring: import them first</source>
            <translation>密钥环中没有 %1 的密钥：请先导入</translation>
        </message>
        <message>
            <source>Failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <source>Merchant private key</source>
            <translation>商户私钥</translation>
        </message>
        <message>
            <source>Antom public key</source>
            <translation>Antom 公钥</translation>
        </message>
        <message>
            <source>Signed request to the gateway</source>
            <translation>向网关发送签名请求</translation>
        </message>
        <message>
            <source>Answer signature</source>
            <translation>应答签名</translation>
        </message>
        <message>
            <source>verified with the Antom public key</source>
            <translation>已用 Antom 公钥验证</translation>
        </message>
        <message>
            <source>%1 (%2)</source>
            <translation>%1（%2）</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
    </context>
    <context>
        <name>CardExtras</name>
        <message>
            <source>Pay with a saved card</source>
            <translation>使用已保存的卡付款</translation>
        </message>
        <message>
            <source>None: the card keyed above</source>
            <translation>不使用：用上面输入的卡</translation>
        </message>
        <message>
            <source>&amp;Save this card for later charges (customer agreed)</source>
            <translation>保存此卡以便日后扣款（顾客已同意）(&amp;S)</translation>
        </message>
        <message>
            <source>Save this card for later charges</source>
            <translation>保存此卡以便日后扣款</translation>
        </message>
        <message>
            <source>Card brand to use</source>
            <translation>使用的卡组织</translation>
        </message>
        <message>
            <source>Instalments</source>
            <translation>分期付款</translation>
        </message>
        <message>
            <source>Pay in full</source>
            <translation>全额付款</translation>
        </message>
        <message>
            <source>Saved card</source>
            <translation>已保存的卡</translation>
        </message>
        <message>
            <source>Brand</source>
            <translation>卡组织</translation>
        </message>
        <message>
            <source>External 3-D Secure result</source>
            <translation>外部 3-D Secure 验证结果</translation>
        </message>
        <message>
            <source>28 base64 or 40 hex characters</source>
            <translation>28 个 base64 字符或 40 个十六进制字符</translation>
        </message>
        <message>
            <source>Version</source>
            <translation>版本</translation>
        </message>
        <message>
            <source>ECI</source>
            <translation>ECI</translation>
        </message>
        <message>
            <source>CAVV</source>
            <translation>CAVV</translation>
        </message>
        <message>
            <source>DS transaction id</source>
            <translation>DS 交易编号</translation>
        </message>
        <message>
            <source>Let Antom choose</source>
            <translation>由 Antom 选择</translation>
        </message>
        <message>
            <source>%1 monthly instalments, no interest</source>
            <translation>分 %1 期按月付款，免息</translation>
        </message>
        <message>
            <source>%1 monthly instalments, %2% interest</source>
            <translation>分 %1 期按月付款，利率 %2%</translation>
        </message>
        <message>
            <source>This saved card expired at the end of %1: ask the customer for a new card.</source>
            <translation>此已保存的卡已于 %1 月底过期：请顾客提供新卡。</translation>
        </message>
        <message>
            <source>This card does not carry that brand</source>
            <translation>此卡不支持该卡组织</translation>
        </message>
        <message>
            <source>This plan no longer applies to this amount: choose again</source>
            <translation>此分期方案已不适用于该金额：请重新选择</translation>
        </message>
        <message>
            <source>Choose the 3-D Secure version</source>
            <translation>请选择 3-D Secure 版本</translation>
        </message>
        <message>
            <source>The ECI is two digits, 00 to 07</source>
            <translation>ECI 为两位数字，00 至 07</translation>
        </message>
        <message>
            <source>The CAVV is 28 characters (base64) or 40 hexadecimal digits</source>
            <translation>CAVV 为 28 个字符（base64）或 40 个十六进制数字</translation>
        </message>
        <message>
            <source>The DS transaction id is a UUID (8-4-4-4-12 hexadecimal digits), for 3-D Secure 2 only</source>
            <translation>DS 交易编号是 UUID（8-4-4-4-12 位十六进制数字），仅用于 3-D Secure 2</translation>
        </message>
        <message>
            <source>ECI %1 is not a value of this card's brand</source>
            <translation>ECI %1 不是此卡所属卡组织的取值</translation>
        </message>
    </context>
    <context>
        <name>MitDialog</name>
        <message>
            <source>Charge without the customer</source>
            <translation>顾客不在场时扣款</translation>
        </message>
        <message>
            <source>%1 •••• %2 of %3, saved with the customer's consent on %4.</source>
            <translation>%3 的 %1 •••• %2，已于 %4 经顾客同意保存。</translation>
        </message>
        <message>
            <source>(no name)</source>
            <translation>（无姓名）</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Unscheduled (no-show, incidentals, a balance)</source>
            <translation>非定期（未入住、杂费、尾款）</translation>
        </message>
        <message>
            <source>Scheduled (an agreed plan)</source>
            <translation>定期（按约定的计划）</translation>
        </message>
        <message>
            <source>Kind of charge</source>
            <translation>扣款类型</translation>
        </message>
        <message>
            <source>e.g. No-show, room 12, 3 June</source>
            <translation>例如：未入住，12 号房，6 月 3 日</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <source>Charge now (capture)</source>
            <translation>立即扣款（请款）</translation>
        </message>
        <message>
            <source>Hold only (capture later)</source>
            <translation>仅冻结（稍后请款）</translation>
        </message>
        <message>
            <source>Capture mode</source>
            <translation>请款方式</translation>
        </message>
        <message>
            <source>&amp;Amount</source>
            <translation>金额(&amp;A)</translation>
        </message>
        <message>
            <source>&amp;Kind</source>
            <translation>类型(&amp;K)</translation>
        </message>
        <message>
            <source>&amp;Reason</source>
            <translation>原因(&amp;R)</translation>
        </message>
        <message>
            <source>Ca&amp;pture</source>
            <translation>请款(&amp;P)</translation>
        </message>
        <message>
            <source>Manager &amp;PIN</source>
            <translation>经理 PIN 码(&amp;P)</translation>
        </message>
        <message>
            <source>Charge card</source>
            <translation>扣款</translation>
        </message>
        <message>
            <source>Enter an amount above zero</source>
            <translation>请输入大于零的金额</translation>
        </message>
        <message>
            <source>Enter why the customer is charged</source>
            <translation>请输入向顾客扣款的原因</translation>
        </message>
        <message>
            <source>%1 (order %2)</source>
            <translation>%1（订单 %2）</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <source>No answer: check the Orders list before charging again.</source>
            <translation>没有应答：再次扣款前请先查看订单列表。</translation>
        </message>
    </context>
    <context>
        <name>SavedCardsView</name>
        <message>
            <source>Search by name, last 4 digits or order</source>
            <translation>按姓名、卡号后 4 位或订单搜索</translation>
        </message>
        <message>
            <source>Search saved cards</source>
            <translation>搜索已保存的卡</translation>
        </message>
        <message>
            <source>Saved cards</source>
            <translation>已保存的卡</translation>
        </message>
        <message>
            <source>Saved and removed cards</source>
            <translation>已保存和已移除的卡</translation>
        </message>
        <message>
            <source>Which cards to list</source>
            <translation>列出哪些卡</translation>
        </message>
        <message>
            <source>Cardholder</source>
            <translation>持卡人</translation>
        </message>
        <message>
            <source>Card</source>
            <translation>卡</translation>
        </message>
        <message>
            <source>Expiry</source>
            <translation>有效期</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Saved on</source>
            <translation>保存日期</translation>
        </message>
        <message>
            <source>Details</source>
            <translation>详情</translation>
        </message>
        <message>
            <source>Consent</source>
            <translation>同意记录</translation>
        </message>
        <message>
            <source>Charges without the customer</source>
            <translation>顾客不在场时扣款</translation>
        </message>
        <message>
            <source>Payments with this card</source>
            <translation>用此卡的付款</translation>
        </message>
        <message>
            <source>Charge without the customer…</source>
            <translation>顾客不在场时扣款…</translation>
        </message>
        <message>
            <source>Remove card…</source>
            <translation>移除此卡…</translation>
        </message>
        <message>
            <source>(no name)</source>
            <translation>（无姓名）</translation>
        </message>
        <message>
            <source>No saved cards. Tick “Save this card for later charges” in New payment when a customer agrees.</source>
            <translation>没有已保存的卡。顾客同意时，请在“新付款”中勾选“保存此卡以便日后扣款”。</translation>
        </message>
        <message>
            <source>The saved cards could not be loaded.</source>
            <translation>无法载入已保存的卡。</translation>
        </message>
        <message>
            <source>Expired</source>
            <translation>已过期</translation>
        </message>
        <message>
            <source>Waiting for the first payment</source>
            <translation>等待首笔付款结果</translation>
        </message>
        <message>
            <source>Saved</source>
            <translation>已保存</translation>
        </message>
        <message>
            <source>Not saved</source>
            <translation>未保存</translation>
        </message>
        <message>
            <source>Removed</source>
            <translation>已移除</translation>
        </message>
        <message>
            <source>%1 by %2, order %3</source>
            <translation>%1，由 %2 记录，订单 %3</translation>
        </message>
        <message>
            <source>possible (first payment's network id kept)</source>
            <translation>可以（已保留首笔付款的网络交易编号）</translation>
        </message>
        <message>
            <source>not possible: no network id from the first payment</source>
            <translation>不可以：首笔付款没有网络交易编号</translation>
        </message>
        <message>
            <source>Remove saved card</source>
            <translation>移除已保存的卡</translation>
        </message>
        <message>
            <source>Remove %1 •••• %2 of %3? It can no longer be charged; the customer must give the card again.</source>
            <translation>移除 %3 的 %1 •••• %2？之后将无法再用此卡扣款，顾客须重新提供卡片。</translation>
        </message>
    </context>
    <context>
        <name>CardOptions</name>
        <message>
            <source>%1 monthly instalments</source>
            <translation>分 %1 期按月付款</translation>
        </message>
        <message>
            <source>charged without the customer (scheduled)</source>
            <translation>顾客不在场时扣款（定期）</translation>
        </message>
        <message>
            <source>charged without the customer (unscheduled)</source>
            <translation>顾客不在场时扣款（非定期）</translation>
        </message>
        <message>
            <source>saved card</source>
            <translation>已保存的卡</translation>
        </message>
        <message>
            <source>card saved for later charges</source>
            <translation>已保存此卡以便日后扣款</translation>
        </message>
        <message>
            <source>brand chosen: %1</source>
            <translation>选用的卡组织：%1</translation>
        </message>
        <message>
            <source>external 3-D Secure result</source>
            <translation>外部 3-D Secure 验证结果</translation>
        </message>
    </context>
    <context>
        <name>CaptureAllDialog</name>
        <message>
            <source>About {0} s left</source>
            <translation>大约还需 {0} 秒</translation>
        </message>
        <message>
            <source>About {0} min {1} s left</source>
            <translation>大约还需 {0} 分 {1} 秒</translation>
        </message>
        <message>
            <source>Capture all holds</source>
            <translation>全部冻结款项请款</translation>
        </message>
        <message>
            <source>An earlier run was interrupted: {0} of {1} holds were journaled for capture. Resume it: those are sent again under their own request ids (never captured twice); the others need the PIN.</source>
            <translation>上一次批量请款被中断：{1} 笔冻结款项中已有 {0} 笔记入日志。继续执行：这些请款将以原请求号重新发送（绝不会重复请款）；其余款项需要输入 PIN 码。</translation>
        </message>
        <message>
            <source>Capture the {0} payments of this day that are still held? Each is captured once, in full.</source>
            <translation>对当天仍处于冻结状态的 {0} 笔付款请款？每笔按全额只请款一次。</translation>
        </message>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
        <message>
            <source>%v of %m</source>
            <translation>%v / %m</translation>
        </message>
        <message>
            <source>Resume</source>
            <translation>继续</translation>
        </message>
        <message>
            <source>Capture all</source>
            <translation>全部请款</translation>
        </message>
        <message>
            <source>Stop after the current ones</source>
            <translation>完成当前几笔后停止</translation>
        </message>
        <message>
            <source>Stopping: the captures under way finish first…</source>
            <translation>正在停止：先完成进行中的请款…</translation>
        </message>
        <message>
            <source>Antom asked to slow down {0} times: the till waits and sends again under the same request ids.</source>
            <translation>Antom 已 {0} 次要求降低请求频率：收银台会等待后以相同请求号重新发送。</translation>
        </message>
        <message>
            <source>{0} captured</source>
            <translation>已请款 {0} 笔</translation>
        </message>
        <message>
            <source>{0} refused or no longer held</source>
            <translation>{0} 笔被拒绝或已不再冻结</translation>
        </message>
        <message>
            <source>{0} still being confirmed</source>
            <translation>{0} 笔仍在确认中</translation>
        </message>
        <message>
            <source>{0} not started (still held)</source>
            <translation>{0} 笔未开始（仍冻结）</translation>
        </message>
    </context>
    <context>
        <name>CloseDayDialog</name>
        <message>
            <source>Close the day</source>
            <translation>日结</translation>
        </message>
        <message>
            <source>Close {0}? Its totals are kept as they stand now, signed into the journal with your name and the time, and print the same from then on.</source>
            <translation>对 {0} 进行日结？当前的合计将被保存，连同您的姓名和时间签入日志，此后打印的内容都将相同。</translation>
        </message>
        <message>
            <source>Manager PIN</source>
            <translation>经理 PIN 码</translation>
        </message>
    </context>
    <context>
        <name>DayReport</name>
        <message>
            <source>Till {0} only</source>
            <translation>仅收银台 {0}</translation>
        </message>
        <message>
            <source>All tills: the day is closed and its frozen report is store-wide, so it cannot be shown for till {0} alone</source>
            <translation>全部收银台：当日已日结，冻结的报表涵盖全店，无法单独显示收银台 {0}</translation>
        </message>
        <message>
            <source>All tills</source>
            <translation>全部收银台</translation>
        </message>
        <message>
            <source>Authorised</source>
            <translation>已授权</translation>
        </message>
        <message>
            <source>Captured</source>
            <translation>已请款</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>已退款</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>已取消</translation>
        </message>
        <message>
            <source>Released</source>
            <translation>已释放</translation>
        </message>
        <message>
            <source>Still held</source>
            <translation>仍冻结</translation>
        </message>
        <message>
            <source>Net</source>
            <translation>净额</translation>
        </message>
        <message>
            <source>Reconciled: {0} lines match Antom's files ({1} imported)</source>
            <translation>已对账：{0} 行与 Antom 文件一致（已导入 {1} 个文件）</translation>
        </message>
        <message>
            <source>Reconciled: {0} lines match Antom's files ({1} imported); {2} discrepancies to look at ({3})</source>
            <translation>已对账：{0} 行与 Antom 文件一致（已导入 {1} 个文件）；有 {2} 处差异待查看（{3}）</translation>
        </message>
        <message>
            <source>Reconciled with {0} discrepancies to look at</source>
            <translation>已对账，有 {0} 处差异待查看</translation>
        </message>
        <message>
            <source>Not reconciled: no settlement file from Antom covers this day yet</source>
            <translation>未对账：尚无涵盖这一天的 Antom 结算文件</translation>
        </message>
        <message>
            <source>Open: figures as of {0}; they change until the day is closed</source>
            <translation>未日结：数据截至 {0}；日结前仍会变化</translation>
        </message>
        <message>
            <source>Closed {0} by {1} (till {2})</source>
            <translation>已于 {0} 由 {1} 日结（收银台 {2}）</translation>
        </message>
        <message>
            <source>WARNING: the stored report no longer matches its journaled digest</source>
            <translation>警告：保存的报表与日志中记录的摘要不再一致</translation>
        </message>
        <message>
            <source>No sales</source>
            <translation>无销售</translation>
        </message>
        <message>
            <source>Day report {0}</source>
            <translation>日报表 {0}</translation>
        </message>
        <message>
            <source>Time zone {0}, {1} to {2}</source>
            <translation>时区 {0}，{1} 至 {2}</translation>
        </message>
        <message>
            <source>No payments on this day.</source>
            <translation>这一天没有付款。</translation>
        </message>
        <message>
            <source>{0}: {1} payments, {2} declined</source>
            <translation>{0}：{1} 笔付款，{2} 笔被拒</translation>
        </message>
        <message>
            <source>Where the money went</source>
            <translation>款项去向</translation>
        </message>
        <message>
            <source>Sales by hour ({0})</source>
            <translation>每小时销售额（{0}）</translation>
        </message>
        <message>
            <source>By terminal</source>
            <translation>按终端</translation>
        </message>
        <message>
            <source>By operator</source>
            <translation>按操作员</translation>
        </message>
        <message>
            <source>By card brand</source>
            <translation>按卡组织</translation>
        </message>
        <message>
            <source>Holds that lapse in the next 24 hours</source>
            <translation>未来 24 小时内到期的冻结款项</translation>
        </message>
        <message>
            <source>None.</source>
            <translation>无。</translation>
        </message>
        <message>
            <source>Payments</source>
            <translation>付款笔数</translation>
        </message>
    </context>
    <context>
        <name>DayReportDialog</name>
        <message>
            <source>Day report</source>
            <translation>日报表</translation>
        </message>
    </context>
    <context>
        <name>DayReportView</name>
        <message>
            <source>&amp;Till</source>
            <translation>收银台(&amp;T)</translation>
        </message>
        <message>
            <source>All tills</source>
            <translation>全部收银台</translation>
        </message>
        <message>
            <source>Show the figures of one till, or of every till</source>
            <translation>显示单个收银台或全部收银台的数据</translation>
        </message>
        <message>
            <source>Closing the day covers every till: choose All tills to close it.</source>
            <translation>日结涵盖全部收银台：请选择“全部收银台”后再日结。</translation>
        </message>
        <message>
            <source>&amp;Day</source>
            <translation>日期(&amp;D)</translation>
        </message>
        <message>
            <source>Currency of the charts</source>
            <translation>图表币种</translation>
        </message>
        <message>
            <source>Capture all holds…</source>
            <translation>全部冻结款项请款…</translation>
        </message>
        <message>
            <source>Close the day…</source>
            <translation>日结…</translation>
        </message>
        <message>
            <source>Print…</source>
            <translation>打印…</translation>
        </message>
        <message>
            <source>Save PDF…</source>
            <translation>保存 PDF…</translation>
        </message>
        <message>
            <source>Save CSV…</source>
            <translation>保存 CSV…</translation>
        </message>
        <message>
            <source>Totals</source>
            <translation>合计</translation>
        </message>
        <message>
            <source>Where the money went</source>
            <translation>款项去向</translation>
        </message>
        <message>
            <source>Sales by hour</source>
            <translation>每小时销售额</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <source>Currency</source>
            <translation>币种</translation>
        </message>
        <message>
            <source>Payments</source>
            <translation>付款笔数</translation>
        </message>
        <message>
            <source>By terminal</source>
            <translation>按终端</translation>
        </message>
        <message>
            <source>By operator</source>
            <translation>按操作员</translation>
        </message>
        <message>
            <source>By card brand</source>
            <translation>按卡组织</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Lapses at</source>
            <translation>到期时间</translation>
        </message>
        <message>
            <source>Till</source>
            <translation>收银台</translation>
        </message>
        <message>
            <source>Holds that lapse in the next 24 hours</source>
            <translation>未来 24 小时内到期的冻结款项</translation>
        </message>
        <message>
            <source>Day report</source>
            <translation>日报表</translation>
        </message>
        <message>
            <source>The day report could not be read: {0}</source>
            <translation>无法读取日报表：{0}</translation>
        </message>
        <message>
            <source>Declined</source>
            <translation>被拒</translation>
        </message>
        <message>
            <source>Sales by hour ({0})</source>
            <translation>每小时销售额（{0}）</translation>
        </message>
        <message>
            <source>Save the day report as PDF</source>
            <translation>将日报表保存为 PDF</translation>
        </message>
        <message>
            <source>PDF files (*.pdf)</source>
            <translation>PDF 文件 (*.pdf)</translation>
        </message>
        <message>
            <source>Saved {0}</source>
            <translation>已保存 {0}</translation>
        </message>
        <message>
            <source>Could not save {0}: {1}</source>
            <translation>无法保存 {0}：{1}</translation>
        </message>
        <message>
            <source>Save the day report as CSV</source>
            <translation>将日报表保存为 CSV</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
    </context>
    <context>
        <name>TillBox</name>
        <message>
            <source>All tills</source>
            <translation>全部收银台</translation>
        </message>
    </context>
</TS>
