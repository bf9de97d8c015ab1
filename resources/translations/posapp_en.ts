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
    <context>
        <name>ReconciliationView</name>
        <message numerus="yes">
            <source>%1: imported before; nothing changed (%n difference(s)).</source>
            <translation>
                <numerusform>%1: imported before; nothing changed (%n difference).</numerusform>
                <numerusform>%1: imported before; nothing changed (%n differences).</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%1: %n difference(s).</source>
            <translation>
                <numerusform>%1: %n difference.</numerusform>
                <numerusform>%1: %n differences.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Checking %n file(s)…</source>
            <translation>
                <numerusform>Checking %n file…</numerusform>
                <numerusform>Checking %n files…</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n difference(s)</source>
            <translation>
                <numerusform>%n difference</numerusform>
                <numerusform>%n differences</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n line(s) not confirmed before were checked with Antom.</source>
            <translation>
                <numerusform>%n line not confirmed before was checked with Antom.</numerusform>
                <numerusform>%n lines not confirmed before were checked with Antom.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n line(s) say a payment was settled, but Antom did not confirm it: nothing was changed. Import the file again when the till is online.</source>
            <translation>
                <numerusform>%n line says a payment was settled, but Antom did not confirm it: nothing was changed. Import the file again when the till is online.</numerusform>
                <numerusform>%n lines say a payment was settled, but Antom did not confirm it: nothing was changed. Import the file again when the till is online.</numerusform>
            </translation>
        </message>
    </context>
</TS>
