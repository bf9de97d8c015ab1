<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
    <context>
        <name>MainWindow</name>
        <message numerus="yes">
            <source>%n payment(s) being settled</source>
            <translation>
                <numerusform>%n payment being settled</numerusform>
                <numerusform>%n payments being settled</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>OrdersView</name>
        <message numerus="yes">
            <source>%n row(s) exported to %1</source>
            <translation>
                <numerusform>%n row exported to %1</numerusform>
                <numerusform>%n rows exported to %1</numerusform>
            </translation>
        </message>
    </context>
</TS>
