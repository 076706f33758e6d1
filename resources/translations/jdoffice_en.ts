<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="da">
<context>
    <name>ApprovalDialog</name>
    <message>
        <source>Godkendelse</source>
        <translation>Approval</translation>
    </message>
    <message>
        <source>En leder skal godkende</source>
        <translation>A manager must approve</translation>
    </message>
    <message>
        <source>{0} er {1} og må ikke selv stå for {2}. En leder skriver sine initialer og sin PIN her; begge navne kommer i loggen.</source>
        <translation>{0} is a {1} and may not do {2} alone. A manager types their initials and PIN here; both names go into the log.</translation>
    </message>
    <message>
        <source>Lederens &amp;initialer:</source>
        <translation>Manager&apos;s &amp;initials:</translation>
    </message>
    <message>
        <source>Lederens &amp;PIN:</source>
        <translation>Manager&apos;s &amp;PIN:</translation>
    </message>
    <message>
        <source>&amp;Godkend</source>
        <translation>&amp;Approve</translation>
    </message>
    <message>
        <source>Annullér</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Lederen skriver sine initialer og sin PIN.</source>
        <translation>The manager types their initials and PIN.</translation>
    </message>
</context>
<context>
    <name>AuditDialog</name>
    <message>
        <source>Revisionsspor</source>
        <translation>Audit trail</translation>
    </message>
    <message>
        <source>initialer</source>
        <translation>initials</translation>
    </message>
    <message>
        <source>elevnr.</source>
        <translation>student no.</translation>
    </message>
    <message>
        <source>&amp;Vis</source>
        <translation>&amp;Show</translation>
    </message>
    <message>
        <source>&amp;Fra:</source>
        <translation>&amp;From:</translation>
    </message>
    <message>
        <source>&amp;Til:</source>
        <translation>&amp;To:</translation>
    </message>
    <message>
        <source>&amp;Medarbejder:</source>
        <translation>Staff &amp;member:</translation>
    </message>
    <message>
        <source>&amp;Elev:</source>
        <translation>Stud&amp;ent:</translation>
    </message>
    <message>
        <source>&amp;Luk</source>
        <translation>&amp;Close</translation>
    </message>
    <message>
        <source>{0} hændelser</source>
        <translation>{0} entries</translation>
    </message>
    <message>
        <source>Før</source>
        <translation>Before</translation>
    </message>
    <message>
        <source>Efter</source>
        <translation>After</translation>
    </message>
</context>
<context>
    <name>AuditModel</name>
    <message>
        <source>Tidspunkt</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Handling</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Bilag</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>Hvem</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>Godkendt af</source>
        <translation>Approved by</translation>
    </message>
    <message>
        <source>Kasse</source>
        <translation>Desk</translation>
    </message>
</context>
<context>
    <name>BooksDialog</name>
    <message>
        <source>Bogføring</source>
        <translation>Bookkeeping</translation>
    </message>
    <message>
        <source>CSV (generisk, semikolon)</source>
        <translation>CSV (generic, semicolon)</translation>
    </message>
    <message>
        <source>e-conomic (kassekladde)</source>
        <translation>e-conomic (journal)</translation>
    </message>
    <message>
        <source>SAF-T Financial (XML)</source>
        <translation>SAF-T Financial (XML)</translation>
    </message>
    <message>
        <source>&amp;Fra:</source>
        <translation>&amp;From:</translation>
    </message>
    <message>
        <source>&amp;Til:</source>
        <translation>&amp;To:</translation>
    </message>
    <message>
        <source>F&amp;ormat:</source>
        <translation>F&amp;ormat:</translation>
    </message>
    <message>
        <source>Tidligere &amp;eksporter:</source>
        <translation>Earlier &amp;exports:</translation>
    </message>
    <message>
        <source>&amp;Eksportér …</source>
        <translation>&amp;Export …</translation>
    </message>
    <message>
        <source>&amp;Luk</source>
        <translation>&amp;Close</translation>
    </message>
    <message>
        <source>Gem bogføring</source>
        <translation>Save the books</translation>
    </message>
    <message>
        <source>{0} posteringer gemt i {1}.</source>
        <translation>{0} postings saved in {1}.</translation>
    </message>
    <message>
        <source>Debet = kredit = {0}.</source>
        <translation>Debit = credit = {0}.</translation>
    </message>
    <message>
        <source>Korrektioner: {0}.</source>
        <translation>Corrections: {0}.</translation>
    </message>
    <message>
        <source>Perioden er allerede eksporteret {0} af {1} ved {2}: de samme posteringer igen.</source>
        <translation>This period was already exported {0} by {1} at {2}: the same postings again.</translation>
    </message>
    <message>
        <source>Perioden er ikke slut endnu; det, der registreres senere i den, kommer som korrektioner i næste eksport.</source>
        <translation>The period is not over yet; what is recorded later in it comes as corrections in the next export.</translation>
    </message>
    <message>
        <source>{0} posteringer i perioden kom efter eksporten; de kommer som korrektioner i næste eksport.</source>
        <translation>{0} postings of the period arrived after the export; they come as corrections in the next export.</translation>
    </message>
    <message>
        <source>gentaget</source>
        <translation>repeated</translation>
    </message>
    <message>
        <source>første</source>
        <translation>first</translation>
    </message>
    <message>
        <source>{0} posteringer</source>
        <translation>{0} postings</translation>
    </message>
</context>
<context>
    <name>CloseShiftDialog</name>
    <message>
        <source>Luk skift – kasseopgørelse</source>
        <translation>Close shift – cash-up</translation>
    </message>
    <message>
        <source>Luk skift på {0}</source>
        <translation>Close the shift at {0}</translation>
    </message>
    <message>
        <source>Tæl kontanterne i skuffen og skriv beløbet – det forventede beløb vises først, når optællingen er givet. Ctrl+D: tæl mønter og sedler.</source>
        <translation>Count the cash in the drawer and type the amount – the expected amount is shown only once the count is given. Ctrl+D: count coins and notes.</translation>
    </message>
    <message>
        <source>f.eks. hvorfor kassen ikke stemmer</source>
        <translation>e.g. why the drawer does not match</translation>
    </message>
    <message>
        <source>&amp;Optalt kontant:</source>
        <translation>C&amp;ounted cash:</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>&amp;Note:</translation>
    </message>
    <message>
        <source>Kasseopgørelse</source>
        <translation>Cash-up</translation>
    </message>
    <message>
        <source>Z-rapport:</source>
        <translation>Z-report:</translation>
    </message>
    <message>
        <source>Forventet i kassen:</source>
        <translation>Expected in the drawer:</translation>
    </message>
    <message>
        <source>Optalt:</source>
        <translation>Counted:</translation>
    </message>
    <message>
        <source>Difference:</source>
        <translation>Variance:</translation>
    </message>
    <message>
        <source>&amp;Luk skift</source>
        <translation>C&amp;lose shift</translation>
    </message>
    <message>
        <source>&amp;Vis Z-rapport</source>
        <translation>&amp;View Z-report</translation>
    </message>
    <message>
        <source>Annullér</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>{0} betaling(er) taget offline venter stadig på at blive sendt; Z-rapporten registrerer dem.</source>
        <translation>{0} payment(s) taken offline still wait to be sent; the Z report records them.</translation>
    </message>
    <message>
        <source>Mønter og sedler (antal)</source>
        <translation>Coins and notes (count)</translation>
    </message>
    <message>
        <source>Skiftet er lukket. Differencen er registreret.</source>
        <translation>The shift is closed. The variance is recorded.</translation>
    </message>
    <message>
        <source>&amp;Færdig</source>
        <translation>&amp;Done</translation>
    </message>
</context>
<context>
    <name>CorrectCountDialog</name>
    <message>
        <source>Ret optælling</source>
        <translation>Correct count</translation>
    </message>
    <message>
        <source>Ret optællingen på {0} ({1})</source>
        <translation>Correct the count of {0} ({1})</translation>
    </message>
    <message>
        <source>Optalt ved lukningen: {0}. Skriv det rigtige beløb og hvorfor; Z-rapporten regnes om, og loggen gemmer begge.</source>
        <translation>Counted at the close: {0}. Type the right amount and why; the Z-report is worked out again, and the log keeps both.</translation>
    </message>
    <message>
        <source>f.eks. tieren lå i skuffen</source>
        <translation>e.g. the ten-krone note was in the drawer</translation>
    </message>
    <message>
        <source>&amp;Optalt:</source>
        <translation>&amp;Counted:</translation>
    </message>
    <message>
        <source>&amp;Begrundelse:</source>
        <translation>&amp;Reason:</translation>
    </message>
    <message>
        <source>&amp;Ret</source>
        <translation>&amp;Correct</translation>
    </message>
    <message>
        <source>Annullér</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Skriv hvorfor optællingen rettes.</source>
        <translation>Type why the count is corrected.</translation>
    </message>
</context>
<context>
    <name>DayReportDialog</name>
    <message>
        <source>Dagsrapport</source>
        <translation>Day report</translation>
    </message>
    <message>
        <source>&amp;Dato:</source>
        <translation>&amp;Date:</translation>
    </message>
    <message>
        <source>&amp;I dag</source>
        <translation>&amp;Today</translation>
    </message>
    <message>
        <source>&amp;Eksportér CSV…</source>
        <translation>&amp;Export CSV…</translation>
    </message>
    <message>
        <source>Luk</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Dagsrapport {0} – {1}</source>
        <translation>Day report {0} – {1}</translation>
    </message>
    <message>
        <source>Henter…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Tryk F5 for at prøve igen.</source>
        <translation>Press F5 to try again.</translation>
    </message>
    <message>
        <source>Ingen betalinger eller refusioner denne dag.</source>
        <translation>No payments or refunds on this day.</translation>
    </message>
    <message>
        <source>Betalingsmåde</source>
        <translation>Payment method</translation>
    </message>
    <message>
        <source>Antal</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>Indbetalt</source>
        <translation>Paid in</translation>
    </message>
    <message>
        <source>Refunderet</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Netto</source>
        <translation>Net</translation>
    </message>
    <message>
        <source>Ingen betalinger</source>
        <translation>No payments</translation>
    </message>
    <message>
        <source>I alt</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Afrunding (kontant)</source>
        <translation>Rounding (cash)</translation>
    </message>
    <message>
        <source>Refusioner i alt</source>
        <translation>Refunds in total</translation>
    </message>
    <message>
        <source>Kasseskuffen (kontant ind − ud)</source>
        <translation>Cash drawer (cash in − out)</translation>
    </message>
    <message>
        <source>Kvitteringer udstedt</source>
        <translation>Receipts issued</translation>
    </message>
    <message>
        <source>Kassens skift</source>
        <translation>Desk shifts</translation>
    </message>
    <message>
        <source>Forventet</source>
        <translation>Expected</translation>
    </message>
    <message>
        <source>Optalt</source>
        <translation>Counted</translation>
    </message>
    <message>
        <source>Difference</source>
        <translation>Variance</translation>
    </message>
    <message>
        <source>{0}–, åbent</source>
        <translation>{0}–, open</translation>
    </message>
    <message>
        <source>Eksportér dagsrapport</source>
        <translation>Export day report</translation>
    </message>
    <message>
        <source>CSV-filer (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>Gemmer…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Dato</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Tid</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Elevnr.</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>Fakturanr.</source>
        <translation>Invoice no.</translation>
    </message>
    <message>
        <source>Beløb ({0})</source>
        <translation>Amount ({0})</translation>
    </message>
    <message>
        <source>Afrunding ({0})</source>
        <translation>Rounding ({0})</translation>
    </message>
    <message>
        <source>Kvitteringsnr.</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Kasse</source>
        <translation>Desk</translation>
    </message>
    <message>
        <source>Ekspedient</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>Betalings-id</source>
        <translation>Payment id</translation>
    </message>
    <message>
        <source>Betaling</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>Refusion</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Gemt i {0}</source>
        <translation>Saved in {0}</translation>
    </message>
    <message>
        <source>Filen kunne ikke gemmes: {0}</source>
        <translation>The file could not be saved: {0}</translation>
    </message>
</context>
<context>
    <name>DebtorsDialog</name>
    <message>
        <source>Debitorliste</source>
        <translation>Debtor list</translation>
    </message>
    <message>
        <source> dage</source>
        <translation> days</translation>
    </message>
    <message>
        <source>Pr. &amp;dato:</source>
        <translation>As of &amp;date:</translation>
    </message>
    <message>
        <source>&amp;Mindst over forfald:</source>
        <translation>At &amp;least overdue:</translation>
    </message>
    <message>
        <source>Gem &amp;CSV …</source>
        <translation>Save &amp;CSV …</translation>
    </message>
    <message>
        <source>Gem &amp;PDF …</source>
        <translation>Save &amp;PDF …</translation>
    </message>
    <message>
        <source>Påmind pr. &amp;SMS</source>
        <translation>Remind by &amp;SMS</translation>
    </message>
    <message>
        <source>Påmind pr. &amp;e-mail</source>
        <translation>Remind by &amp;e-mail</translation>
    </message>
    <message>
        <source>Send en betalingspåmindelse med betalingslink for hver forfalden faktura hos de valgte elever</source>
        <translation>Send a payment reminder with a payment link for each overdue invoice of the chosen students</translation>
    </message>
    <message>
        <source>&amp;Luk</source>
        <translation>&amp;Close</translation>
    </message>
    <message>
        <source>{0} elever skylder {1}, heraf forfaldent {2}.</source>
        <translation>{0} students owe {1}, of which {2} is overdue.</translation>
    </message>
    <message>
        <source>Ingen skylder noget.</source>
        <translation>Nobody owes anything.</translation>
    </message>
    <message>
        <source>Vælg elever med forfaldne fakturaer først.</source>
        <translation>Choose students with overdue invoices first.</translation>
    </message>
    <message>
        <source>Sender påmindelser …</source>
        <translation>Sending reminders …</translation>
    </message>
    <message>
        <source>Gem debitorliste</source>
        <translation>Save debtor list</translation>
    </message>
    <message>
        <source>Gemt som {0}</source>
        <translation>Saved as {0}</translation>
    </message>
    <message>
        <source>intet udestående</source>
        <translation>nothing outstanding</translation>
    </message>
    <message>
        <source>ikke forfalden</source>
        <translation>not overdue</translation>
    </message>
    <message>
        <source>påmindet for nylig</source>
        <translation>reminded recently</translation>
    </message>
    <message>
        <source>dækket af tilgodehavende</source>
        <translation>covered by credit</translation>
    </message>
    <message>
        <source>betalingslinket kunne ikke laves</source>
        <translation>the payment link could not be made</translation>
    </message>
    <message>
        <source>betalt i mellemtiden</source>
        <translation>paid meanwhile</translation>
    </message>
    <message>
        <source>påmindet fra en anden kasse</source>
        <translation>reminded from another desk</translation>
    </message>
    <message>
        <source>beløbet ændrede sig</source>
        <translation>the amount changed</translation>
    </message>
    <message>
        <source>intet mobilnummer</source>
        <translation>no mobile number</translation>
    </message>
    <message>
        <source>ingen e-mailadresse</source>
        <translation>no e-mail address</translation>
    </message>
    <message>
        <source>andet</source>
        <translation>other</translation>
    </message>
    <message>
        <source>Påmindelser pr. SMS: {0} sendt</source>
        <translation>Reminders by SMS: {0} sent</translation>
    </message>
    <message>
        <source>Påmindelser pr. e-mail: {0} sendt</source>
        <translation>Reminders by e-mail: {0} sent</translation>
    </message>
    <message>
        <source>, {0} venter i udbakken</source>
        <translation>, {0} waiting in the outbox</translation>
    </message>
    <message>
        <source>; {0} sprunget over ({1})</source>
        <translation>; {0} skipped ({1})</translation>
    </message>
    <message>
        <source>; uden betalingslink, da netbetaling er slået fra</source>
        <translation>; without a payment link, as online payments are off</translation>
    </message>
</context>
<context>
    <name>DebtorsModel</name>
    <message>
        <source>Elevnr.</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>Navn</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Telefon</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>I alt</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Dage over forfald</source>
        <translation>Days overdue</translation>
    </message>
    <message>
        <source>Tilgodehavende</source>
        <translation>Credit on account</translation>
    </message>
</context>
<context>
    <name>DeskAccess</name>
    <message>
        <source>&amp;Lås / skift bruger</source>
        <translation>&amp;Lock / switch user</translation>
    </message>
    <message>
        <source>Ekspedienter kunne ikke læses – ingen log-ind</source>
        <translation>Staff could not be read – no sign-in</translation>
    </message>
    <message>
        <source>Uden log-ind</source>
        <translation>No sign-in</translation>
    </message>
    <message>
        <source>Ingen ekspedientkonti – kassen bruges uden log-ind</source>
        <translation>No staff accounts – the desk is used without sign-in</translation>
    </message>
    <message>
        <source>Kassen er låst</source>
        <translation>The desk is locked</translation>
    </message>
    <message>
        <source>Skolen har ingen ekspedientkonti; der er ingen at skifte til.</source>
        <translation>The school has no staff accounts; there is nobody to switch to.</translation>
    </message>
</context>
<context>
    <name>DeskCash</name>
    <message>
        <source>Åbn &amp;skift …</source>
        <extracomment>How often the open shift is read again (another desk&apos;s manager may have closed it).</extracomment>
        <translation>Open &amp;shift …</translation>
    </message>
    <message>
        <source>&amp;Indbetaling …</source>
        <translation>Pay &amp;in …</translation>
    </message>
    <message>
        <source>&amp;Udbetaling …</source>
        <translation>Pay &amp;out …</translation>
    </message>
    <message>
        <source>Luk skift (&amp;kasseopgørelse) …</source>
        <translation>Close shift (&amp;cash-up) …</translation>
    </message>
    <message>
        <source>&amp;Z-rapport …</source>
        <translation>&amp;Z-report …</translation>
    </message>
    <message>
        <source>Intet åbent skift</source>
        <translation>No open shift</translation>
    </message>
    <message>
        <source>Skift Z{0} åbent siden {1}</source>
        <translation>Shift Z{0} open since {1}</translation>
    </message>
    <message>
        <source>Ikke forbundet til databasen endnu.</source>
        <translation>Not connected to the database yet.</translation>
    </message>
</context>
<context>
    <name>DeskDialogs</name>
    <message>
        <source>Åbn først en elev: søg og tryk Enter.</source>
        <extracomment>The authority of the last refund or settings opened (with a manager&apos;s approval when one was asked for); the services take it once they take the signed-in member.</extracomment>
        <translation>Open a student first: search and press Enter.</translation>
    </message>
    <message>
        <source>Eleven skylder ikke noget; der er intet at betale.</source>
        <translation>The student owes nothing; there is nothing to pay.</translation>
    </message>
    <message>
        <source>QR-betaling</source>
        <translation>QR payment</translation>
    </message>
    <message>
        <source>QR-betaling kræver forbindelse til databasen. Tag kontant, bankoverførsel eller MobilePay – betalingen gemmes på denne kasse og sendes, når forbindelsen er tilbage.</source>
        <translation>QR payment needs the connection to the database. Take cash, bank transfer or MobilePay – the payment is kept at this desk and sent when the connection is back.</translation>
    </message>
    <message>
        <source>Vælg først betalingen (Alt+B) og tryk F8.</source>
        <translation>Select the payment first (Alt+B) and press F8.</translation>
    </message>
    <message>
        <source>Refusion</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Vælg først betalingen (Alt+B) og tryk Ctrl+P.</source>
        <translation>Select the payment first (Alt+B) and press Ctrl+P.</translation>
    </message>
    <message>
        <source>Der er ingen kvittering for denne betaling.</source>
        <translation>There is no receipt for this payment.</translation>
    </message>
    <message>
        <source>Ikke forbundet til databasen endnu.</source>
        <translation>Not connected to the database yet.</translation>
    </message>
    <message>
        <source>Dagsrapport</source>
        <translation>Day report</translation>
    </message>
    <message>
        <source>Debitorliste</source>
        <translation>Debtor list</translation>
    </message>
    <message>
        <source>Revisionsspor</source>
        <translation>Audit trail</translation>
    </message>
    <message>
        <source>Bogføring</source>
        <translation>Bookkeeping</translation>
    </message>
    <message>
        <source>Kontoudtog</source>
        <translation>Statement</translation>
    </message>
    <message>
        <source>Afvigelser</source>
        <translation>Discrepancies</translation>
    </message>
    <message>
        <source>Afvigelser tilbage: {0}</source>
        <translation>Discrepancies left: {0}</translation>
    </message>
    <message>
        <source>Af&amp;vigelser ({0}) …</source>
        <translation>D&amp;iscrepancies ({0}) …</translation>
    </message>
    <message>
        <source>Af&amp;vigelser …</source>
        <translation>D&amp;iscrepancies …</translation>
    </message>
    <message>
        <source>Indstillinger</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Ikke godkendt; intet er gjort.</source>
        <translation>Not approved; nothing was done.</translation>
    </message>
    <message>
        <source>Godkendt af {0}.</source>
        <translation>Approved by {0}.</translation>
    </message>
    <message>
        <source>{0} findes ikke i denne version af jdoffice.</source>
        <translation>{0} is not available in this version of jdoffice.</translation>
    </message>
</context>
<context>
    <name>DeskSearch</name>
    <message>
        <source>Ingen fundet</source>
        <translation>None found</translation>
    </message>
    <message>
        <source>{0}+ fundet</source>
        <translation>{0}+ found</translation>
    </message>
    <message>
        <source>{0} fundet</source>
        <translation>{0} found</translation>
    </message>
    <message>
        <source>Søgning efter «{0}»: {1}</source>
        <translation>Search for “{0}”: {1}</translation>
    </message>
    <message>
        <source>Tilbage til {0}.</source>
        <translation>Back to {0}.</translation>
    </message>
</context>
<context>
    <name>DeskSession</name>
    <message>
        <source>Kassens lokale kopi blev ikke opdateret: {0}</source>
        <extracomment>Payments taken offline that wait in this desk&apos;s outbox.</extracomment>
        <translation>This desk&apos;s local copy was not refreshed: {0}</translation>
    </message>
    <message>
        <source>{0} offline-betaling(er) sendt til databasen</source>
        <translation>{0} offline payment(s) sent to the database</translation>
    </message>
    <message>
        <source>; {0} var allerede betalt og er gemt som tilgodehavende (markeret til kontoret)</source>
        <translation>; {0} had been paid meanwhile and were kept as credit (flagged for the office)</translation>
    </message>
    <message>
        <source>{0} offline-betaling(er) kunne ikke sendes: {1}</source>
        <translation>{0} offline payment(s) could not be sent: {1}</translation>
    </message>
    <message>
        <source>Z{0} var taget af en anden kasse med samme navn; skiftet er gemt som Z{1}</source>
        <translation>Z{0} was taken by another desk of the same name; the shift is recorded as Z{1}</translation>
    </message>
    <message>
        <source>{0} skifteændring(er) kunne ikke sendes: {1}</source>
        <translation>{0} shift change(s) could not be sent: {1}</translation>
    </message>
    <message>
        <source>Synkronisering fejlede: {0}</source>
        <translation>Synchronisation failed: {0}</translation>
    </message>
</context>
<context>
    <name>DeskStatus</name>
    <message>
        <source>Skole: …</source>
        <translation>School: …</translation>
    </message>
    <message>
        <source>Forbinder …</source>
        <translation>Connecting …</translation>
    </message>
    <message>
        <source>Skole: {0}</source>
        <translation>School: {0}</translation>
    </message>
    <message>
        <source>Kasse: {0}</source>
        <translation>Desk: {0}</translation>
    </message>
    <message>
        <source>Kasse: {0} · {1}</source>
        <translation>Desk: {0} · {1}</translation>
    </message>
    <message>
        <source>1 betaling venter</source>
        <translation>1 payment waiting</translation>
    </message>
    <message>
        <source>{0} betalinger venter</source>
        <translation>{0} payments waiting</translation>
    </message>
    <message>
        <source>Offline — {0}</source>
        <translation>Offline — {0}</translation>
    </message>
    <message>
        <source>Opdateret {0}</source>
        <translation>Updated {0}</translation>
    </message>
    <message>
        <source>⚠ Ingen forbindelse til databasen – prøver igen</source>
        <translation>⚠ No connection to the database – retrying</translation>
    </message>
    <message>
        <source>⚠ Ingen forbindelse til databasen – viser kassens lokale kopi</source>
        <translation>⚠ No connection to the database – showing this desk&apos;s local copy</translation>
    </message>
    <message>
        <source>Ikke forbundet</source>
        <translation>Not connected</translation>
    </message>
</context>
<context>
    <name>DeskStudent</name>
    <message>
        <source>Søgningen passer ikke længere til {0}. Tryk Enter for at åbne den valgte elev, eller Esc for at gå tilbage til {0}.</source>
        <translation>The search no longer matches {0}. Press Enter to open the selected student, or Esc to go back to {0}.</translation>
    </message>
    <message>
        <source>{0} gør intet: søgningen passer ikke til den åbne elev</source>
        <translation>{0} does nothing: the search does not match the open student</translation>
    </message>
    <message>
        <source>Eleven findes ikke (længere): {0}</source>
        <translation>The student does not exist (any more): {0}</translation>
    </message>
    <message>
        <source>Elevnr. {0}</source>
        <translation>Student no. {0}</translation>
    </message>
    <message>
        <source>Intet udestående – F5 tager imod en forudbetaling.</source>
        <translation>Nothing outstanding – F5 takes a prepayment.</translation>
    </message>
    <message>
        <source>valgt</source>
        <translation>selected</translation>
    </message>
    <message>
        <source>ældste åbne</source>
        <translation>oldest open</translation>
    </message>
    <message>
        <source>F5/F6 gælder faktura {0} · {1} ({2})</source>
        <translation>F5/F6 act on invoice {0} · {1} ({2})</translation>
    </message>
</context>
<context>
    <name>FlagsDialog</name>
    <message>
        <source>Afvigelser</source>
        <translation>Discrepancies</translation>
    </message>
    <message>
        <source>Svar fra betalingsudbyderen, der ikke passer med fakturaen. Der er ikke bogført penge for dem. Find ud af, hvad der skete, skriv hvad du gjorde, og marker afvigelsen som løst.</source>
        <translation>Answers from the payment provider that do not match the invoice. No money was recorded for them. Find out what happened, write what you did, and mark the discrepancy as resolved.</translation>
    </message>
    <message>
        <source>Fx: eleven betalte kontant; betalingen er refunderet hos udbyderen</source>
        <translation>E.g. the student paid cash; the payment was refunded at the provider</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>&amp;Note:</translation>
    </message>
    <message>
        <source>Marker som &amp;løst</source>
        <translation>Mark as &amp;resolved</translation>
    </message>
    <message>
        <source>Luk</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Henter…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Ingen afvigelser – alt passer.</source>
        <translation>No discrepancies – everything matches.</translation>
    </message>
    <message>
        <source>Noten kan ikke gemmes: den indeholder kontroltegn.</source>
        <translation>The note cannot be saved: it contains control characters.</translation>
    </message>
    <message>
        <source>Gemmer…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Afvigelse #{0} er løst.</source>
        <translation>Discrepancy #{0} is resolved.</translation>
    </message>
</context>
<context>
    <name>FlagsModel</name>
    <message>
        <source>Tidspunkt</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Faktura</source>
        <translation>Invoice</translation>
    </message>
    <message>
        <source>Beløb</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Hvad passer ikke</source>
        <translation>What does not match</translation>
    </message>
    <message>
        <source>Udbyderens reference</source>
        <translation>Provider reference</translation>
    </message>
</context>
<context>
    <name>InvoicesModel</name>
    <message>
        <source>Faktura</source>
        <translation>Invoice</translation>
    </message>
    <message>
        <source>Tekst</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>Forfald</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>Beløb</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Betalt</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Udestående</source>
        <translation>Outstanding</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Debitorliste …</source>
        <translation>&amp;Debtor list …</translation>
    </message>
    <message>
        <source>&amp;Revisionsspor …</source>
        <translation>&amp;Audit trail …</translation>
    </message>
    <message>
        <source>&amp;Kontoudtog …</source>
        <translation>S&amp;tatement …</translation>
    </message>
    <message>
        <source>&amp;Bogføring …</source>
        <translation>&amp;Bookkeeping …</translation>
    </message>
    <message>
        <source>Kan ikke åbne skolen:
{0}</source>
        <translation>Cannot open the school:
{0}</translation>
    </message>
    <message>
        <source>Betaling registreret: {0} {1}</source>
        <translation>Payment recorded: {0} {1}</translation>
    </message>
    <message>
        <source>, kvittering nr. {0}</source>
        <translation>, receipt no. {0}</translation>
    </message>
    <message>
        <source>Byttepenge: {0}</source>
        <translation>Change: {0}</translation>
    </message>
    <message>
        <source>Betaling gemt på kassen (offline): {0} {1}, kvittering {2}; den sendes til databasen, når forbindelsen er tilbage</source>
        <translation>Payment kept at this desk (offline): {0} {1}, receipt {2}; it is sent to the database when the connection is back</translation>
    </message>
    <message>
        <source>1 betaling</source>
        <translation>1 payment</translation>
    </message>
    <message>
        <source>{0} betalinger</source>
        <translation>{0} payments</translation>
    </message>
    <message>
        <source>Betalinger venter</source>
        <translation>Payments waiting</translation>
    </message>
    <message>
        <source>{0} taget offline er ikke sendt til databasen endnu. De er gemt sikkert på denne computer og sendes, næste gang kassen har forbindelse.

Luk alligevel?</source>
        <translation>{0} taken offline have not reached the database yet. They are kept safe on this computer and sent the next time the desk is connected.

Close anyway?</translation>
    </message>
    <message>
        <source>jdoffice – kassen</source>
        <translation>jdoffice – front desk</translation>
    </message>
    <message>
        <source>&amp;Søg elev:</source>
        <translation>&amp;Search student:</translation>
    </message>
    <message>
        <source>Navn, telefon, elevnr. eller e-mail – Ctrl+F / F2 fra alle steder</source>
        <translation>Name, phone, student no. or e-mail – Ctrl+F / F2 from anywhere</translation>
    </message>
    <message>
        <source>Skriv en del af elevens navn, telefon eller elevnummer.
↑/↓ vælger, Enter åbner eleven.

F5 Tag betaling · F6 QR-betaling · F8 Refusion · F9 Dagsrapport</source>
        <translation>Type part of the student&apos;s name, phone or student number.
↑/↓ selects, Enter opens the student.

F5 Take payment · F6 QR payment · F8 Refund · F9 Day report</translation>
    </message>
    <message>
        <source>&amp;Fakturaer</source>
        <translation>&amp;Invoices</translation>
    </message>
    <message>
        <source>&amp;Betalinger</source>
        <translation>&amp;Payments</translation>
    </message>
    <message>
        <source>F5  Tag betaling</source>
        <translation>F5  Take payment</translation>
    </message>
    <message>
        <source>F6  QR-betaling</source>
        <translation>F6  QR payment</translation>
    </message>
    <message>
        <source>F8  Refusion</source>
        <translation>F8  Refund</translation>
    </message>
    <message>
        <source>F9  Dagsrapport</source>
        <translation>F9  Day report</translation>
    </message>
    <message>
        <source>&amp;Kasse</source>
        <translation>&amp;Desk</translation>
    </message>
    <message>
        <source>&amp;Søg elev</source>
        <translation>&amp;Search student</translation>
    </message>
    <message>
        <source>Ctrl+F</source>
        <translation>Ctrl+F</translation>
    </message>
    <message>
        <source>&amp;Tag betaling …</source>
        <translation>&amp;Take payment …</translation>
    </message>
    <message>
        <source>F5</source>
        <translation>F5</translation>
    </message>
    <message>
        <source>&amp;QR-betaling …</source>
        <translation>&amp;QR payment …</translation>
    </message>
    <message>
        <source>F6</source>
        <translation>F6</translation>
    </message>
    <message>
        <source>&amp;Refundér valgt betaling …</source>
        <translation>&amp;Refund selected payment …</translation>
    </message>
    <message>
        <source>F8</source>
        <translation>F8</translation>
    </message>
    <message>
        <source>Udskriv &amp;kopi af kvittering …</source>
        <translation>Print a &amp;copy of the receipt …</translation>
    </message>
    <message>
        <source>Ctrl+P</source>
        <translation>Ctrl+P</translation>
    </message>
    <message>
        <source>&amp;Dagsrapport …</source>
        <translation>&amp;Day report …</translation>
    </message>
    <message>
        <source>F9</source>
        <translation>F9</translation>
    </message>
    <message>
        <source>Af&amp;vigelser …</source>
        <translation>D&amp;iscrepancies …</translation>
    </message>
    <message>
        <source>F7</source>
        <translation>F7</translation>
    </message>
    <message>
        <source>&amp;Indstillinger …</source>
        <translation>Setti&amp;ngs …</translation>
    </message>
    <message>
        <source>Ctrl+,</source>
        <translation>Ctrl+,</translation>
    </message>
    <message>
        <source>&amp;Afslut</source>
        <translation>E&amp;xit</translation>
    </message>
    <message>
        <source>Ctrl+Q</source>
        <translation>Ctrl+Q</translation>
    </message>
</context>
<context>
    <name>MovementDialog</name>
    <message>
        <source>Udbetaling</source>
        <translation>Pay-out</translation>
    </message>
    <message>
        <source>Indbetaling</source>
        <translation>Pay-in</translation>
    </message>
    <message>
        <source>Udbetaling fra kassen</source>
        <translation>Pay-out from the drawer</translation>
    </message>
    <message>
        <source>Indbetaling i kassen</source>
        <translation>Pay-in to the drawer</translation>
    </message>
    <message>
        <source>f.eks. {0}</source>
        <translation>e.g. {0}</translation>
    </message>
    <message>
        <source>&amp;Beløb:</source>
        <translation>&amp;Amount:</translation>
    </message>
    <message>
        <source>&amp;Årsag:</source>
        <translation>&amp;Reason:</translation>
    </message>
    <message>
        <source>&amp;Registrér udbetaling</source>
        <translation>&amp;Record pay-out</translation>
    </message>
    <message>
        <source>&amp;Registrér indbetaling</source>
        <translation>&amp;Record pay-in</translation>
    </message>
    <message>
        <source>Annullér</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Skriv en årsag (f.eks. Kaffe eller Indsat i banken).</source>
        <translation>Type a reason (e.g. Coffee or Deposited at the bank).</translation>
    </message>
</context>
<context>
    <name>OpenShiftDialog</name>
    <message>
        <source>Åbn skift</source>
        <translation>Open shift</translation>
    </message>
    <message>
        <source>Åbn skift på {0}</source>
        <translation>Open the shift at {0}</translation>
    </message>
    <message>
        <source>Tæl byttepengene i skuffen og skriv beløbet. Enter åbner skiftet.</source>
        <translation>Count the float in the drawer and type the amount. Enter opens the shift.</translation>
    </message>
    <message>
        <source>&amp;Startbeholdning:</source>
        <translation>&amp;Float:</translation>
    </message>
    <message>
        <source>Å&amp;bn skift</source>
        <translation>O&amp;pen shift</translation>
    </message>
    <message>
        <source>Annullér</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>PayText</name>
    <message>
        <source>Betalingsudbyderen kan ikke nås lige nu. Prøv igen om lidt.</source>
        <translation>The payment provider cannot be reached right now. Try again in a moment.</translation>
    </message>
    <message>
        <source>Betalingsudbyderen sagde nej.</source>
        <translation>The payment provider said no.</translation>
    </message>
    <message>
        <source>En anden kasse har netop ændret det samme. Intet er gemt; prøv igen.</source>
        <translation>Another desk has just changed the same thing. Nothing is saved; try again.</translation>
    </message>
    <message>
        <source>Beløb eller begrundelse er ændret efter første forsøg. Luk og start forfra.</source>
        <translation>The amount or reason changed after the first try. Close and start over.</translation>
    </message>
    <message>
        <source>Findes ikke (længere).</source>
        <translation>Does not exist (any more).</translation>
    </message>
    <message>
        <source>Tjek det indtastede. Intet er gemt.</source>
        <translation>Check what was typed. Nothing is saved.</translation>
    </message>
    <message>
        <source>Det kan ikke lade sig gøre. Intet er gemt.</source>
        <translation>That is not possible. Nothing is saved.</translation>
    </message>
    <message>
        <source>Databasen kan ikke nås. Intet er ændret; prøv igen om lidt.</source>
        <translation>The database cannot be reached. Nothing has changed; try again in a moment.</translation>
    </message>
    <message>
        <source>Uventet fejl. Intet er bekræftet; se loggen.</source>
        <translation>Unexpected error. Nothing is confirmed; see the log.</translation>
    </message>
</context>
<context>
    <name>PaymentDialog</name>
    <message>
        <source>{0}: skriv et beløb, fx 850 eller 1.234,50.</source>
        <translation>{0}: type an amount, e.g. 850 or 1,234.50.</translation>
    </message>
    <message>
        <source>Modtaget</source>
        <translation>Tendered</translation>
    </message>
    <message>
        <source>Modtaget {0} går ikke op i {1} – tast det beløb, eleven giver dig.</source>
        <translation>Tendered {0} is not a multiple of {1} – type the amount the student hands you.</translation>
    </message>
    <message>
        <source>{0}: «{1}» kan ikke læses som et beløb. {2} Skriv fx 850 eller 1.234,50.</source>
        <translation>{0}: “{1}” cannot be read as an amount. {2} Type e.g. 850 or 1,234.50.</translation>
    </message>
    <message>
        <source>Modtaget {0} er mindre end kontant i alt ({1}). Tast det beløb, eleven giver dig.</source>
        <translation>Tendered {0} is less than the cash total ({1}). Type the amount the student hands you.</translation>
    </message>
    <message>
        <source>Beløb</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Til betaling</source>
        <translation>To pay</translation>
    </message>
    <message>
        <source>{0}: præcist beløb, ingen afrunding.</source>
        <translation>{0}: exact amount, no rounding.</translation>
    </message>
    <message>
        <source>Byttepenge</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>Kontant i alt {0}</source>
        <translation>Cash total {0}</translation>
    </message>
    <message>
        <source> · afrunding {0}</source>
        <translation> · rounding {0}</translation>
    </message>
    <message>
        <source>Mangler</source>
        <translation>Missing</translation>
    </message>
    <message>
        <source>Modtaget skal gå op i {0}.</source>
        <translation>Tendered must be a multiple of {0}.</translation>
    </message>
    <message>
        <source> · modtaget {0}</source>
        <translation> · tendered {0}</translation>
    </message>
    <message>
        <source>{0}  ·  elevnr. {1}</source>
        <translation>{0}  ·  student no. {1}</translation>
    </message>
    <message>
        <source>Tast {0} som reference.</source>
        <translation>Enter {0} as the reference.</translation>
    </message>
    <message>
        <source>påkrævet: {0}</source>
        <translation>required: {0}</translation>
    </message>
    <message>
        <source>{0}
Intet er registreret.</source>
        <translation>{0}
Nothing is recorded.</translation>
    </message>
    <message>
        <source>Faktura {0} er betalt nu – måske ved en anden kasse. Luk med Esc og se elevens betalinger.</source>
        <translation>Invoice {0} is paid now – perhaps at another desk. Close with Esc and look at the student&apos;s payments.</translation>
    </message>
    <message>
        <source>Der skyldes nu {0} på faktura {1}. Ret beløbet og tryk Enter igen, eller luk med Esc.</source>
        <translation>{0} is now owed on invoice {1}. Correct the amount and press Enter again, or close with Esc.</translation>
    </message>
    <message>
        <source>Eleven skylder ikke noget nu. Luk med Esc og se elevens betalinger.</source>
        <translation>The student owes nothing now. Close with Esc and look at the student&apos;s payments.</translation>
    </message>
    <message>
        <source>Eleven skylder nu {0} i alt. Ret beløbet og tryk Enter igen, eller luk med Esc.</source>
        <translation>The student now owes {0} in total. Correct the amount and press Enter again, or close with Esc.</translation>
    </message>
    <message>
        <source>Faktura {0} · {1} · forfald {2} · {3}</source>
        <translation>Invoice {0} · {1} · due {2} · {3}</translation>
    </message>
    <message>
        <source>Alle åbne fakturaer · {0}</source>
        <translation>All open invoices · {0}</translation>
    </message>
    <message>
        <source>Forudbetaling (bliver tilgodehavende)</source>
        <translation>Prepayment (becomes credit)</translation>
    </message>
    <message>
        <source>Registrerer …</source>
        <translation>Recording …</translation>
    </message>
    <message>
        <source>Tag betaling</source>
        <translation>Take payment</translation>
    </message>
    <message>
        <source>Betaling &amp;for:</source>
        <translation>Payment &amp;for:</translation>
    </message>
    <message>
        <source>Be&amp;løb:</source>
        <translation>Amo&amp;unt:</translation>
    </message>
    <message>
        <source>Metode:</source>
        <translation>Method:</translation>
    </message>
    <message>
        <source>&amp;Kontant  Ctrl+1</source>
        <translation>&amp;Cash  Ctrl+1</translation>
    </message>
    <message>
        <source>&amp;Bank  Ctrl+2</source>
        <translation>&amp;Bank  Ctrl+2</translation>
    </message>
    <message>
        <source>&amp;MobilePay  Ctrl+3</source>
        <translation>&amp;MobilePay  Ctrl+3</translation>
    </message>
    <message>
        <source>Betaling taget på skolens egen kortterminal (Dankort/Visa). Tast terminalens kvitteringsnummer som reference.</source>
        <translation>A payment taken on the school&apos;s own card terminal (Dankort/Visa). Type the terminal&apos;s receipt number as the reference.</translation>
    </message>
    <message>
        <source>Betalingsk&amp;ort (terminal)  Ctrl+4</source>
        <translation>C&amp;ard (terminal)  Ctrl+4</translation>
    </message>
    <message>
        <source>Mo&amp;dtaget:</source>
        <translation>&amp;Tendered:</translation>
    </message>
    <message>
        <source>tomt = præcis kontantbeløb</source>
        <translation>empty = exact cash amount</translation>
    </message>
    <message>
        <source>&amp;Reference:</source>
        <translation>&amp;Reference:</translation>
    </message>
    <message>
        <source>valgfri, fx transaktions-id</source>
        <translation>optional, e.g. transaction id</translation>
    </message>
    <message>
        <source>&amp;Tilgodehavende: tag imod mere, end der skyldes</source>
        <translation>Cre&amp;dit: accept more than is owed</translation>
    </message>
    <message>
        <source>Annuller (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Registrér betaling (Enter)</source>
        <translation>Record payment (Enter)</translation>
    </message>
</context>
<context>
    <name>PaymentsModel</name>
    <message>
        <source>Dato</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Metode</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>Beløb</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Refunderet</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Kvittering</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>QrCheckout</name>
    <message>
        <source>betalingsudbyderen</source>
        <extracomment>The school&apos;s online gateways (name, label), the default first: F6 offers them when there is more than one.</extracomment>
        <translation>the payment provider</translation>
    </message>
</context>
<context>
    <name>QrDialog</name>
    <message>
        <source>{0}  ·  elevnr. {1}</source>
        <extracomment>How often the provider is asked while the code is shown.</extracomment>
        <translation>{0}  ·  student no. {1}</translation>
    </message>
    <message>
        <source>Betal med QR-kode – faktura {0}</source>
        <translation>Pay by QR code – invoice {0}</translation>
    </message>
    <message>
        <source>Kopiér link</source>
        <translation>Copy link</translation>
    </message>
    <message>
        <source>QR-kode til betaling</source>
        <translation>QR code for payment</translation>
    </message>
    <message>
        <source>&amp;Betaling for:</source>
        <translation>&amp;Payment for:</translation>
    </message>
    <message>
        <source>Vis QR-kode (Enter)</source>
        <translation>Show QR code (Enter)</translation>
    </message>
    <message>
        <source>Send som SMS</source>
        <translation>Send as SMS</translation>
    </message>
    <message>
        <source>Send linket til elevens mobil i stedet for at scanne</source>
        <translation>Send the link to the student&apos;s mobile instead of scanning</translation>
    </message>
    <message>
        <source>Send som e-mail</source>
        <translation>Send as e-mail</translation>
    </message>
    <message>
        <source>Send linket til elevens e-mail</source>
        <translation>Send the link to the student&apos;s e-mail</translation>
    </message>
    <message>
        <source>Vis kvittering</source>
        <translation>Show receipt</translation>
    </message>
    <message>
        <source>Tag betaling ved skranken</source>
        <translation>Take payment at the desk</translation>
    </message>
    <message>
        <source>Prøv igen</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Annullér (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>Luk</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Betal med QR-kode</source>
        <translation>Pay by QR code</translation>
    </message>
    <message>
        <source>Faktura {0}</source>
        <translation>Invoice {0}</translation>
    </message>
    <message>
        <source>Henter elevens fakturaer…</source>
        <translation>Fetching the student’s invoices…</translation>
    </message>
    <message>
        <source>Faktura {0} · {1} · forfald {2} · {3}</source>
        <translation>Invoice {0} · {1} · due {2} · {3}</translation>
    </message>
    <message>
        <source>Hvilken faktura betales?</source>
        <translation>Which invoice is paid?</translation>
    </message>
    <message>
        <source>Vælg fakturaen, og tryk Enter for at vise QR-koden for dens beløb.</source>
        <translation>Choose the invoice and press Enter to show the QR code for its amount.</translation>
    </message>
    <message>
        <source>Opretter betalingen…</source>
        <translation>Creating the payment…</translation>
    </message>
    <message>
        <source>Betalingen er udløbet</source>
        <translation>The payment has expired</translation>
    </message>
    <message>
        <source>Betalingen mislykkedes</source>
        <translation>The payment failed</translation>
    </message>
    <message>
        <source>Betalingen skal gennemses</source>
        <translation>The payment needs review</translation>
    </message>
    <message>
        <source>Scan koden og betal</source>
        <translation>Scan the code and pay</translation>
    </message>
    <message>
        <source>Udløber om {0}</source>
        <translation>Expires in {0}</translation>
    </message>
    <message>
        <source>Kopieret ✓</source>
        <translation>Copied ✓</translation>
    </message>
    <message>
        <source>Sender linket …</source>
        <translation>Sending the link …</translation>
    </message>
    <message>
        <source>Eleven har intet gyldigt mobilnummer.
Send linket til nummeret:</source>
        <translation>The student has no valid mobile number.
Send the link to the number:</translation>
    </message>
    <message>
        <source>Eleven har ingen gyldig e-mail.
Send linket til adressen:</source>
        <translation>The student has no valid e-mail address.
Send the link to the address:</translation>
    </message>
    <message>
        <source>Send link</source>
        <translation>Send link</translation>
    </message>
    <message>
        <source>Annullerer…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>Annullerer betalingen…</source>
        <translation>Cancelling the payment…</translation>
    </message>
    <message>
        <source>Eleven har allerede betalt; betalingen behandles og kan ikke annulleres.</source>
        <translation>The student has already paid; the payment is being processed and cannot be cancelled.</translation>
    </message>
    <message>
        <source>Betalingen kunne ikke annulleres, så eleven kan stadig nå at betale. Tryk Esc for at prøve igen, eller luk alligevel.</source>
        <translation>The payment could not be cancelled, so the student may still pay. Press Esc to try again, or close anyway.</translation>
    </message>
    <message>
        <source>Luk alligevel</source>
        <translation>Close anyway</translation>
    </message>
</context>
<context>
    <name>QrGateways</name>
    <message>
        <source>Betales med</source>
        <translation>Pay with</translation>
    </message>
    <message>
        <source>Send til elevens telefon</source>
        <translation>Send to the student&apos;s phone</translation>
    </message>
    <message>
        <source>Betalingen dukker op i elevens MobilePay-app i stedet for QR-koden</source>
        <translation>The payment pops up in the student&apos;s MobilePay app instead of the QR code</translation>
    </message>
    <message>
        <source>Sender betalingen til elevens telefon…</source>
        <translation>Sending the payment to the student&apos;s phone…</translation>
    </message>
    <message>
        <source>Sendt til elevens telefon</source>
        <translation>Sent to the student&apos;s phone</translation>
    </message>
    <message>
        <source>Eleven godkender betalingen i appen. Skærmen skifter selv til Betalt.</source>
        <translation>The student approves the payment in the app. The screen turns to Paid by itself.</translation>
    </message>
</context>
<context>
    <name>QrPanel</name>
    <message>
        <source>Betalt ✓</source>
        <translation>Paid ✓</translation>
    </message>
    <message>
        <source>Betalingen er modtaget. Kvittering nr. {0}.</source>
        <translation>The payment has been received. Receipt no. {0}.</translation>
    </message>
    <message>
        <source>Betalingen er modtaget.</source>
        <translation>The payment has been received.</translation>
    </message>
    <message>
        <source>Start igen</source>
        <translation>Start again</translation>
    </message>
    <message>
        <source>Prøv igen</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Online-betaling er slået fra</source>
        <translation>Online payment is switched off</translation>
    </message>
    <message>
        <source>Skolen tager ikke imod betaling med QR-kode lige nu. Tag betalingen ved skranken: kontant, bankoverførsel eller MobilePay.</source>
        <translation>The school does not take payment by QR code right now. Take the payment at the desk: cash, bank transfer or MobilePay.</translation>
    </message>
    <message>
        <source>Online-betaling er ikke sat op</source>
        <translation>Online payment is not set up</translation>
    </message>
    <message>
        <source>Der mangler en nøgle til {0} for skolen (Indstillinger). Tag betalingen ved skranken i stedet.</source>
        <translation>The school has no key for {0} (Settings). Take the payment at the desk instead.</translation>
    </message>
    <message>
        <source>{0} kan ikke nås</source>
        <translation>{0} cannot be reached</translation>
    </message>
    <message>
        <source>Der er ingen forbindelse til {0} lige nu. Intet er betalt, og fakturaen er stadig åben. Prøv igen om lidt, eller tag betalingen ved skranken.</source>
        <translation>There is no connection to {0} right now. Nothing has been paid, and the invoice is still open. Try again in a moment, or take the payment at the desk.</translation>
    </message>
    <message>
        <source>{0} afviste betalingen</source>
        <translation>{0} refused the payment</translation>
    </message>
    <message>
        <source>Tag betalingen ved skranken i stedet.</source>
        <translation>Take the payment at the desk instead.</translation>
    </message>
    <message>
        <source>Der er intet at betale</source>
        <translation>There is nothing to pay</translation>
    </message>
    <message>
        <source>Faktura {0} er allerede betalt.</source>
        <translation>Invoice {0} is already paid.</translation>
    </message>
    <message>
        <source>Fakturaen findes ikke</source>
        <translation>The invoice does not exist</translation>
    </message>
    <message>
        <source>Der er ingen faktura {0} hos skolen.</source>
        <translation>The school has no invoice {0}.</translation>
    </message>
    <message>
        <source>Databasen kan ikke nås</source>
        <translation>The database cannot be reached</translation>
    </message>
    <message>
        <source>Intet er ændret. Prøv igen om lidt.</source>
        <translation>Nothing has changed. Try again in a moment.</translation>
    </message>
    <message>
        <source>Noget gik galt</source>
        <translation>Something went wrong</translation>
    </message>
</context>
<context>
    <name>ReceiptDelivery</name>
    <message>
        <source>KOPI · {0}</source>
        <translation>COPY · {0}</translation>
    </message>
    <message>
        <source>Kvittering nr. {0} gemt som {1}</source>
        <translation>Receipt no. {0} saved as {1}</translation>
    </message>
    <message>
        <source>Kvittering nr. {0} sendt til printeren {1}</source>
        <translation>Receipt no. {0} sent to the printer {1}</translation>
    </message>
    <message>
        <source>Kvittering nr. {0} udskrevet på bonprinteren ({1})</source>
        <translation>Receipt no. {0} printed on the receipt printer ({1})</translation>
    </message>
    <message>
        <source>Kvitteringen kunne ikke hentes: {0}</source>
        <translation>The receipt could not be read: {0}</translation>
    </message>
    <message>
        <source>Betalingen er registreret, men kvitteringen kunne ikke hentes: {0}</source>
        <translation>The payment is recorded, but the receipt could not be read: {0}</translation>
    </message>
    <message>
        <source>Kopien af kvitteringen kom ikke ud: {0}

Vis kvitteringen på skærmen og gem eller udskriv den derfra – eller ret printeropsætningen under Kasse → Indstillinger.</source>
        <translation>The copy of the receipt did not come out: {0}

Show the receipt on screen and save or print it from there – or correct the printer set-up under Desk → Settings.</translation>
    </message>
    <message>
        <source>Betalingen er registreret, men kvitteringen kom ikke ud: {0}

Vis kvitteringen på skærmen og gem eller udskriv den derfra – eller ret printeropsætningen under Kasse → Indstillinger.</source>
        <translation>The payment is recorded, but the receipt did not come out: {0}

Show the receipt on screen and save or print it from there – or correct the printer set-up under Desk → Settings.</translation>
    </message>
    <message>
        <source>Kvitteringen kom ikke ud</source>
        <translation>The receipt did not come out</translation>
    </message>
    <message>
        <source>&amp;Vis kvittering</source>
        <translation>&amp;Show receipt</translation>
    </message>
    <message>
        <source>&amp;Luk</source>
        <translation>&amp;Close</translation>
    </message>
</context>
<context>
    <name>ReceiptPreviewDialog</name>
    <message>
        <source>Kvittering nr. {0}</source>
        <translation>Receipt no. {0}</translation>
    </message>
    <message>
        <source>&amp;Gem PDF …</source>
        <translation>&amp;Save PDF …</translation>
    </message>
    <message>
        <source>&amp;Luk (Enter)</source>
        <translation>&amp;Close (Enter)</translation>
    </message>
    <message>
        <source>Gem kvittering som PDF</source>
        <translation>Save receipt as PDF</translation>
    </message>
    <message>
        <source>kvittering-{0}.pdf</source>
        <translation>receipt-{0}.pdf</translation>
    </message>
    <message>
        <source>Gemmer PDF …</source>
        <translation>Saving PDF …</translation>
    </message>
    <message>
        <source>PDF-kvitteringer findes ikke i denne version af jdoffice.</source>
        <translation>PDF receipts are not available in this version of jdoffice.</translation>
    </message>
    <message>
        <source>PDF&apos;en kunne ikke gemmes: {0}</source>
        <translation>The PDF could not be saved: {0}</translation>
    </message>
    <message>
        <source>PDF&apos;en kunne ikke laves: {0}</source>
        <translation>The PDF could not be made: {0}</translation>
    </message>
    <message>
        <source>Gemt som {0}</source>
        <translation>Saved as {0}</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refundér betaling</source>
        <translation>Refund payment</translation>
    </message>
    <message>
        <source>fx aflyst køretime</source>
        <translation>e.g. cancelled driving lesson</translation>
    </message>
    <message>
        <source>Kvittering:</source>
        <translation>Receipt:</translation>
    </message>
    <message>
        <source>Elev:</source>
        <translation>Student:</translation>
    </message>
    <message>
        <source>Betalt med:</source>
        <translation>Paid with:</translation>
    </message>
    <message>
        <source>Beløb:</source>
        <translation>Amount:</translation>
    </message>
    <message>
        <source>Allerede refunderet:</source>
        <translation>Already refunded:</translation>
    </message>
    <message>
        <source>Kan refunderes:</source>
        <translation>Can be refunded:</translation>
    </message>
    <message>
        <source>&amp;Refundér beløb:</source>
        <translation>&amp;Refund amount:</translation>
    </message>
    <message>
        <source>&amp;Begrundelse:</source>
        <translation>Rea&amp;son:</translation>
    </message>
    <message>
        <source>Refundér</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Vis kvittering</source>
        <translation>Show receipt</translation>
    </message>
    <message>
        <source>Annullér</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Henter betalingen…</source>
        <translation>Loading the payment…</translation>
    </message>
    <message>
        <source>nr. {0}</source>
        <translation>no. {0}</translation>
    </message>
    <message>
        <source>(og {0} afventer {1})</source>
        <translation>(and {0} awaits {1})</translation>
    </message>
    <message>
        <source>Der er intet tilbage at refundere på denne betaling.</source>
        <translation>There is nothing left to refund on this payment.</translation>
    </message>
    <message>
        <source>Luk</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Kontant udbetales afrundet til nærmeste 50 øre.</source>
        <translation>Cash is paid out rounded to the nearest 50 øre.</translation>
    </message>
    <message>
        <source>Pengene sendes tilbage via {0} til elevens kort eller MobilePay.</source>
        <translation>The money is sent back through {0} to the student&apos;s card or MobilePay.</translation>
    </message>
    <message>
        <source>Beløbet kan ikke læses. Skriv fx 100 eller 100,50.</source>
        <translation>The amount cannot be read. Type e.g. 100 or 100.50.</translation>
    </message>
    <message>
        <source>Der kan højst refunderes {0} på denne betaling.</source>
        <translation>At most {0} can be refunded on this payment.</translation>
    </message>
    <message>
        <source>Skriv en begrundelse for refusionen.</source>
        <translation>Type a reason for the refund.</translation>
    </message>
    <message>
        <source>Refunderer…</source>
        <translation>Refunding…</translation>
    </message>
    <message>
        <source>Refunderet {0}</source>
        <translation>Refunded {0}</translation>
    </message>
    <message>
        <source>Giv eleven {0} kontant.</source>
        <translation>Give the student {0} in cash.</translation>
    </message>
    <message>
        <source>Kvittering nr. {0}.</source>
        <translation>Receipt no. {0}.</translation>
    </message>
    <message>
        <source>Refusionen på {0} er sendt og afventer svar fra {1}. Den bogføres, når {1} bekræfter den.</source>
        <translation>The refund of {0} has been sent and awaits an answer from {1}. It is booked when {1} confirms it.</translation>
    </message>
    <message>
        <source>Betalingsudbyderen svarede ikke. Refusionen er gemt som afventende; tryk Refundér igen om lidt, ellers sendes den ved næste synkronisering.</source>
        <translation>The payment provider did not answer. The refund is saved as pending; press Refund again in a moment, or it is sent at the next synchronisation.</translation>
    </message>
</context>
<context>
    <name>SearchResultsModel</name>
    <message>
        <source>Elevnr.</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>Navn</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Telefon</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Saldo</source>
        <translation>Balance</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Skriv hvor termoprinteren er, fx network:192.168.1.50:9100.</source>
        <translation>Type where the thermal printer is, e.g. network:192.168.1.50:9100.</translation>
    </message>
    <message>
        <source>Test (ingen rigtige penge)</source>
        <translation>Test (no real money)</translation>
    </message>
    <message>
        <source>Live (rigtige betalinger)</source>
        <translation>Live (real payments)</translation>
    </message>
    <message>
        <source>Standardprinteren</source>
        <translation>The default printer</translation>
    </message>
    <message>
        <source>Henter skolens indstillinger …</source>
        <translation>Loading the school&apos;s settings …</translation>
    </message>
    <message>
        <source>Nøglen indeholder mellemrum; indsæt kun selve nøglen.</source>
        <translation>The key contains spaces; paste the key alone.</translation>
    </message>
    <message>
        <source>Siden efter betaling skal være en webadresse, fx https://din-koreskole.dk/tak.</source>
        <translation>The page after payment must be a web address, e.g. https://your-driving-school.dk/thanks.</translation>
    </message>
    <message>
        <source>Skriv skolens navn; det står øverst på kvitteringen.</source>
        <translation>Type the school&apos;s name; it is printed at the top of the receipt.</translation>
    </message>
    <message>
        <source>Skriv skolens adresse; en kvittering skal vise den.</source>
        <translation>Type the school&apos;s address; a receipt must show it.</translation>
    </message>
    <message>
        <source>Et CVR-nummer er 8 cifre, fx 12345678.</source>
        <translation>A CVR number is 8 digits, e.g. 12345678.</translation>
    </message>
    <message>
        <source>Momslinjen og hjemmesiden skal være almindelig tekst på én linje.</source>
        <translation>The VAT line and the web address must be plain text on one line.</translation>
    </message>
    <message>
        <source>Aldrig</source>
        <translation>Never</translation>
    </message>
    <message>
        <source>&amp;Lås efter:</source>
        <translation>Loc&amp;k after:</translation>
    </message>
    <message>
        <source>{0} (ikke installeret)</source>
        <translation>{0} (not installed)</translation>
    </message>
    <message>
        <source>Skolens indstillinger kan ikke hentes lige nu: {0}
Printer og sprog på denne kasse kan stadig gemmes.</source>
        <translation>The school&apos;s settings cannot be loaded right now: {0}
The printer and language of this desk can still be saved.</translation>
    </message>
    <message>
        <source>Standardprinteren ({0})</source>
        <translation>The default printer ({0})</translation>
    </message>
    <message>
        <source>{0} (ikke fundet)</source>
        <translation>{0} (not found)</translation>
    </message>
    <message>
        <source>Et CVR-nummer er 8 cifre.</source>
        <translation>A CVR number is 8 digits.</translation>
    </message>
    <message>
        <source>Mappe til kvitteringer (PDF)</source>
        <translation>Folder for receipts (PDF)</translation>
    </message>
    <message>
        <source>Udskriver test …</source>
        <translation>Printing test …</translation>
    </message>
    <message>
        <source>✓ Testudskriften er sendt til {0}.</source>
        <translation>✓ The test print has been sent to {0}.</translation>
    </message>
    <message>
        <source>Kassens indstillinger kunne ikke gemmes: {0}</source>
        <translation>The desk&apos;s settings could not be saved: {0}</translation>
    </message>
    <message>
        <source>Nøglen kunne ikke gemmes i nøgleringen: {0}
Intet er ændret i databasen. Sæt nøglerne i miljøvariablerne {1} i stedet.</source>
        <translation>The key could not be stored in the keyring: {0}
Nothing has changed in the database. Set the keys in the environment variables {1} instead.</translation>
    </message>
    <message>
        <source>Navnet må ikke indeholde styretegn.</source>
        <translation>The name must not contain control characters.</translation>
    </message>
    <message>
        <source>Vælg mappen, kvitteringerne skal gemmes i.</source>
        <translation>Choose the folder to save the receipts in.</translation>
    </message>
    <message>
        <source>Indstillingerne kunne ikke gemmes: {0}</source>
        <translation>The settings could not be saved: {0}</translation>
    </message>
    <message>
        <source>Uventet fejl – indstillingerne er måske ikke gemt: {0}</source>
        <translation>Unexpected error – the settings may not be saved: {0}</translation>
    </message>
    <message>
        <source>Gemmer …</source>
        <translation>Saving …</translation>
    </message>
    <message>
        <source>Nøgler til {0} – gemmes i nøgleringen på denne pc, aldrig i databasen</source>
        <translation>{0} keys – stored in this PC&apos;s keyring, never in the database</translation>
    </message>
    <message>
        <source>Nøgler – gemmes i nøgleringen på denne pc, aldrig i databasen</source>
        <translation>Keys – stored in this PC&apos;s keyring, never in the database</translation>
    </message>
    <message>
        <source>Denne pc har ingen nøglering (keyring), så nøglerne kan ikke gemmes her. Sæt dem i stedet i miljøvariablerne {0}, før jdoffice startes.</source>
        <translation>This PC has no keyring, so the keys cannot be stored here. Set them in the environment variables {0} instead, before jdoffice is started.</translation>
    </message>
    <message>
        <source>kan ikke læses</source>
        <translation>cannot be read</translation>
    </message>
    <message>
        <source>✓ gemt</source>
        <translation>✓ stored</translation>
    </message>
    <message>
        <source>sat i {0}</source>
        <translation>set in {0}</translation>
    </message>
    <message>
        <source>ingen nøglering</source>
        <translation>no keyring</translation>
    </message>
    <message>
        <source>ikke sat</source>
        <translation>not set</translation>
    </message>
    <message>
        <source>{0} og {1}</source>
        <translation>{0} and {1}</translation>
    </message>
    <message>
        <source>Indstillinger</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>&amp;Betalinger</source>
        <translation>&amp;Payments</translation>
    </message>
    <message>
        <source>Onlinebetaling med QR-kode</source>
        <translation>Online payment by QR code</translation>
    </message>
    <message>
        <source>Tag imod &amp;onlinebetaling (kort og MobilePay via QR-kode)</source>
        <translation>Accept &amp;online payments (card and MobilePay by QR code)</translation>
    </message>
    <message>
        <source>&amp;Udbyder:</source>
        <translation>Pro&amp;vider:</translation>
    </message>
    <message>
        <source>U&amp;dløber efter:</source>
        <translation>E&amp;xpires after:</translation>
    </message>
    <message>
        <source> min.</source>
        <translation> min.</translation>
    </message>
    <message>
        <source>Hvor længe en QR-kode kan bruges: 30 minutter til 24 timer (1440 min.).</source>
        <translation>How long a QR code can be used: 30 minutes to 24 hours (1440 min.).</translation>
    </message>
    <message>
        <source>Side &amp;efter betaling:</source>
        <translation>Page &amp;after payment:</translation>
    </message>
    <message>
        <source>https://din-koreskole.dk/tak</source>
        <translation>https://your-driving-school.dk/thanks</translation>
    </message>
    <message>
        <source>&amp;Tilstand:</source>
        <translation>&amp;Mode:</translation>
    </message>
    <message>
        <source>skriv en ny for at gemme eller erstatte</source>
        <translation>type a new one to store or replace it</translation>
    </message>
    <message>
        <source>Påm&amp;indelse højst hver:</source>
        <translation>Rem&amp;ind at most every:</translation>
    </message>
    <message>
        <source> dage</source>
        <translation> days</translation>
    </message>
    <message>
        <source>En elev får højst én betalingspåmindelse om den samme faktura inden for så mange dage.</source>
        <translation>A student gets at most one payment reminder about the same invoice within this many days.</translation>
    </message>
    <message>
        <source>En gemt nøgle vises aldrig igen. Skriv en ny for at erstatte den; lad feltet stå tomt for at beholde den gemte.</source>
        <translation>A stored key is never shown again. Type a new one to replace it; leave the field empty to keep the stored one.</translation>
    </message>
    <message>
        <source>&amp;Printer</source>
        <translation>P&amp;rinter</translation>
    </message>
    <message>
        <source>Kvitteringen efter en betaling</source>
        <translation>The receipt after a payment</translation>
    </message>
    <message>
        <source>Vis &amp;forhåndsvisning på skærmen</source>
        <translation>Show pre&amp;view on screen</translation>
    </message>
    <message>
        <source>Udskriv på s&amp;ystemprinter (A4):</source>
        <translation>Print on s&amp;ystem printer (A4):</translation>
    </message>
    <message>
        <source>Gem P&amp;DF i mappe:</source>
        <translation>Save P&amp;DF in folder:</translation>
    </message>
    <message>
        <source>vælg en mappe</source>
        <translation>choose a folder</translation>
    </message>
    <message>
        <source>&amp;Vælg …</source>
        <translation>&amp;Choose …</translation>
    </message>
    <message>
        <source>&amp;Termoprinter (ESC/POS, 80 mm):</source>
        <translation>&amp;Thermal printer (ESC/POS, 80 mm):</translation>
    </message>
    <message>
        <source>network:192.168.1.50:9100</source>
        <translation>network:192.168.1.50:9100</translation>
    </message>
    <message>
        <source>Test&amp;udskrift</source>
        <translation>Test pri&amp;nt</translation>
    </message>
    <message>
        <source>network:VÆRT[:PORT] · usb:VID:PID · serial:ENHED[:BAUD] · file:STI</source>
        <translation>network:HOST[:PORT] · usb:VID:PID · serial:DEVICE[:BAUD] · file:PATH</translation>
    </message>
    <message>
        <source>Kasseskuffe</source>
        <translation>Cash drawer</translation>
    </message>
    <message>
        <source>Åbn kasseskuffen ved ko&amp;ntant betaling (skuffen sidder på termoprinteren)</source>
        <translation>Open the cash dra&amp;wer for cash payments (the drawer is on the thermal printer)</translation>
    </message>
    <message>
        <source>&amp;Kvitteringshoved</source>
        <translation>Receipt &amp;header</translation>
    </message>
    <message>
        <source>Skolens &amp;navn:</source>
        <translation>School &amp;name:</translation>
    </message>
    <message>
        <source>&amp;Adresse:</source>
        <translation>&amp;Address:</translation>
    </message>
    <message>
        <source>Vejnavn 1
1234 By</source>
        <translation>Street 1
1234 Town</translation>
    </message>
    <message>
        <source>&amp;CVR-nr.:</source>
        <translation>&amp;CVR no.:</translation>
    </message>
    <message>
        <source>8 cifre</source>
        <translation>8 digits</translation>
    </message>
    <message>
        <source>&amp;Momslinje:</source>
        <translation>&amp;VAT line:</translation>
    </message>
    <message>
        <source>fx Momsfritaget undervisning</source>
        <translation>e.g. Momsfritaget undervisning (VAT-exempt tuition)</translation>
    </message>
    <message>
        <source>&amp;Hjemmeside:</source>
        <translation>&amp;Web address:</translation>
    </message>
    <message>
        <source>fx www.din-koreskole.dk</source>
        <translation>e.g. www.your-driving-school.dk</translation>
    </message>
    <message>
        <source>Står øverst på hver ny kvittering, sammen med dato, kvitteringsnummer og beløb. Kvitteringer, der allerede er udstedt, ændres ikke – en genudskrift er magen til originalen.</source>
        <translation>Printed at the top of every new receipt, with the date, receipt number and amount. Receipts already issued do not change – a reprint is the same as the original.</translation>
    </message>
    <message>
        <source>Sådan begynder kvitteringen (80 mm)</source>
        <translation>How the receipt begins (80 mm)</translation>
    </message>
    <message>
        <source>Kasse og &amp;sprog</source>
        <translation>Desk and &amp;language</translation>
    </message>
    <message>
        <source>Denne kasse</source>
        <translation>This desk</translation>
    </message>
    <message>
        <source>Kassens &amp;navn:</source>
        <translation>Desk &amp;name:</translation>
    </message>
    <message>
        <source>fx Kasse 1</source>
        <translation>e.g. Desk 1</translation>
    </message>
    <message>
        <source>Ekspedien&amp;t:</source>
        <translation>Ser&amp;ved by:</translation>
    </message>
    <message>
        <source>fx Mette</source>
        <translation>e.g. Mette</translation>
    </message>
    <message>
        <source>Står på kvitteringerne og i statuslinjen. Skifter ved næste start af jdoffice.</source>
        <translation>Printed on the receipts and shown in the status bar. Takes effect the next time jdoffice starts.</translation>
    </message>
    <message>
        <source>Sprog på skærmen og på kvitteringer</source>
        <translation>Language on screen and on receipts</translation>
    </message>
    <message>
        <source>&amp;Dansk</source>
        <translation>&amp;Dansk</translation>
    </message>
    <message>
        <source>&amp;English</source>
        <translation>&amp;English</translation>
    </message>
    <message>
        <source>Skærmene skifter sprog, næste gang jdoffice startes. Kvitteringer kommer på det valgte sprog med det samme.</source>
        <translation>The screens change language the next time jdoffice starts. Receipts come in the chosen language straight away.</translation>
    </message>
    <message>
        <source>Annuller (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>&amp;Gem (Enter)</source>
        <translation>&amp;Save (Enter)</translation>
    </message>
</context>
<context>
    <name>ShiftTexts</name>
    <message>
        <source>Kaffe</source>
        <extracomment>The Danish notes and coins, in øre, largest first. Reasons offered for a pay-out or a pay-in (any other may be typed).</extracomment>
        <translation>Coffee</translation>
    </message>
    <message>
        <source>Indsat i banken</source>
        <translation>Deposited at the bank</translation>
    </message>
    <message>
        <source>Kontorartikler</source>
        <translation>Office supplies</translation>
    </message>
    <message>
        <source>Byttepenge fra banken</source>
        <translation>Change from the bank</translation>
    </message>
    <message>
        <source>Rettelse af startbeholdning</source>
        <translation>Float correction</translation>
    </message>
    <message>
        <source>Kassen har intet åbent skift. Åbn et først (Kasse → Åbn skift).</source>
        <translation>The desk has no open shift. Open one first (Desk → Open shift).</translation>
    </message>
    <message>
        <source>Din rolle tillader ikke dette; en leder skal godkende det.</source>
        <translation>Your role does not allow this; a manager must approve it.</translation>
    </message>
    <message>
        <source>Betalinger taget offline, endnu ikke sendt til den fælles database: {0} ({1}). Z-rapporten registrerer dem; de sendes, når forbindelsen er tilbage.</source>
        <translation>Payments taken offline, not yet sent to the shared database: {0} ({1}). The Z report records them; they are sent when the connection is back.</translation>
    </message>
    <message>
        <source>Skift kræver, at ekspedienterne logger ind; skolen har ingen ekspedientkonti endnu.</source>
        <translation>Shifts need the staff to sign in; the school has no staff accounts yet.</translation>
    </message>
    <message>
        <source>Kassen har intet åbent skift, og kontanter kræver et. Åbn skiftet nu? Bagefter registreres beløbet, som det står.</source>
        <translation>This desk has no open shift, and cash needs one. Open the shift now? The amount is then registered as typed.</translation>
    </message>
    <message>
        <source>Åbn skift</source>
        <translation>Open shift</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Log ind – {0}</source>
        <translation>Sign in – {0}</translation>
    </message>
    <message>
        <source>Kassen er låst</source>
        <translation>The desk is locked</translation>
    </message>
    <message>
        <source>Hvem står ved kassen?</source>
        <translation>Who is at the desk?</translation>
    </message>
    <message>
        <source>Skriv dine initialer (eller vælg dig selv med pil op/ned) og tryk Enter; skriv så din PIN og tryk Enter.</source>
        <translation>Type your initials (or pick yourself with the up/down arrows) and press Enter; then type your PIN and press Enter.</translation>
    </message>
    <message>
        <source>Den åbne elev bliver stående bag dette vindue.</source>
        <translation>The open student stays behind this window.</translation>
    </message>
    <message>
        <source>&amp;Initialer:</source>
        <translation>&amp;Initials:</translation>
    </message>
    <message>
        <source>&amp;PIN:</source>
        <translation>&amp;PIN:</translation>
    </message>
    <message>
        <source>&amp;Log ind</source>
        <translation>&amp;Sign in</translation>
    </message>
    <message>
        <source>&amp;Afslut programmet</source>
        <translation>&amp;Quit the program</translation>
    </message>
    <message>
        <source>Skriv dine initialer først.</source>
        <translation>Type your initials first.</translation>
    </message>
    <message>
        <source>Skriv din PIN.</source>
        <translation>Type your PIN.</translation>
    </message>
    <message>
        <source>Kassen er offline, og log-ind kan ikke tjekkes her endnu. Prøv igen, når forbindelsen til databasen er tilbage.</source>
        <translation>The desk is offline, and the sign-in cannot be checked here yet. Try again when the connection to the database is back.</translation>
    </message>
</context>
<context>
    <name>StaffTexts</name>
    <message>
        <source>ekspedient</source>
        <translation>receptionist</translation>
    </message>
    <message>
        <source>leder</source>
        <translation>manager</translation>
    </message>
    <message>
        <source>administrator</source>
        <translation>admin</translation>
    </message>
    <message>
        <source>at tage imod betalinger</source>
        <translation>taking payments</translation>
    </message>
    <message>
        <source>QR-betalinger</source>
        <translation>QR payments</translation>
    </message>
    <message>
        <source>betalingspåmindelser</source>
        <translation>payment reminders</translation>
    </message>
    <message>
        <source>at sende kontoudtog</source>
        <translation>sending statements</translation>
    </message>
    <message>
        <source>genudskrifter</source>
        <translation>reprints</translation>
    </message>
    <message>
        <source>kassens skift</source>
        <translation>the desk&apos;s shift</translation>
    </message>
    <message>
        <source>refusioner</source>
        <translation>refunds</translation>
    </message>
    <message>
        <source>at løse afvigelser</source>
        <translation>resolving flagged payments</translation>
    </message>
    <message>
        <source>rettelser af skift</source>
        <translation>shift corrections</translation>
    </message>
    <message>
        <source>indstillingerne</source>
        <translation>the settings</translation>
    </message>
    <message>
        <source>betalingsnøgler</source>
        <translation>provider keys</translation>
    </message>
    <message>
        <source>skift mellem test og live</source>
        <translation>switching test/live mode</translation>
    </message>
    <message>
        <source>medarbejderkonti</source>
        <translation>staff accounts</translation>
    </message>
    <message>
        <source>revisionssporet</source>
        <translation>the audit trail</translation>
    </message>
    <message>
        <source>bogføringen</source>
        <translation>the books</translation>
    </message>
    <message>
        <source>Ekspedient: {0} ({1})</source>
        <translation>Staff: {0} ({1})</translation>
    </message>
    <message>
        <source>For mange forkerte PIN-koder i træk: kontoen er låst. Prøv igen om {0} min.</source>
        <translation>Too many wrong PINs in a row: the account is locked. Try again in {0} min.</translation>
    </message>
    <message>
        <source>Forkerte initialer eller PIN. {0} forsøg tilbage, før kontoen låses i 5 min.</source>
        <translation>Wrong initials or PIN. {0} tries left before the account locks for 5 min.</translation>
    </message>
    <message>
        <source>Forkerte initialer eller PIN.</source>
        <translation>Wrong initials or PIN.</translation>
    </message>
    <message>
        <source>Den medarbejder må ikke godkende dette; en leders initialer og PIN skal bruges.</source>
        <translation>That person may not approve this; a manager&apos;s initials and PIN are needed.</translation>
    </message>
</context>
<context>
    <name>StatementDialog</name>
    <message>
        <source>Kontoudtog</source>
        <translation>Statement</translation>
    </message>
    <message>
        <source>&amp;Fra:</source>
        <translation>&amp;From:</translation>
    </message>
    <message>
        <source>&amp;Til:</source>
        <translation>&amp;To:</translation>
    </message>
    <message>
        <source>Gem som &amp;PDF …</source>
        <translation>Save as &amp;PDF …</translation>
    </message>
    <message>
        <source>Send pr. &amp;e-mail</source>
        <translation>Send by &amp;e-mail</translation>
    </message>
    <message>
        <source>Send kontoudtoget for perioden som PDF til elevens e-mailadresse</source>
        <translation>Send the statement of the period as a PDF to the student&apos;s e-mail address</translation>
    </message>
    <message>
        <source>&amp;Luk</source>
        <translation>&amp;Close</translation>
    </message>
    <message>
        <source>Kontoudtog – {0}</source>
        <translation>Statement – {0}</translation>
    </message>
    <message>
        <source>Gem kontoudtog</source>
        <translation>Save statement</translation>
    </message>
    <message>
        <source>Gemt som {0}</source>
        <translation>Saved as {0}</translation>
    </message>
    <message>
        <source>Sender kontoudtoget …</source>
        <translation>Sending the statement …</translation>
    </message>
    <message>
        <source>Kontoudtog {0} sendt til {1}.</source>
        <translation>Statement {0} sent to {1}.</translation>
    </message>
    <message>
        <source>det prøves igen om lidt</source>
        <translation>it is tried again shortly</translation>
    </message>
    <message>
        <source>det er opgivet; jdoffice notifications retry prøver igen</source>
        <translation>it was given up; jdoffice notifications retry tries again</translation>
    </message>
    <message>
        <source>Kontoudtog {0} til {1} venter i udbakken ({2}); {3}.</source>
        <translation>Statement {0} to {1} waits in the outbox ({2}); {3}.</translation>
    </message>
    <message>
        <source>Kontoudtog {0} til {1} venter i udbakken; {2}.</source>
        <translation>Statement {0} to {1} waits in the outbox; {2}.</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>Kontant</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>Bankoverførsel</source>
        <translation>Bank transfer</translation>
    </message>
    <message>
        <source>MobilePay</source>
        <translation>MobilePay</translation>
    </message>
    <message>
        <source>Betalingskort (terminal)</source>
        <translation>Card (terminal)</translation>
    </message>
    <message>
        <source>Åben</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Delvist betalt</source>
        <translation>Partly paid</translation>
    </message>
    <message>
        <source>Betalt</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Forfalden</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>Annulleret</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Afventer</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>Gennemført</source>
        <translation>Succeeded</translation>
    </message>
    <message>
        <source>Mislykket</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Delvist refunderet</source>
        <translation>Partly refunded</translation>
    </message>
    <message>
        <source>Refunderet</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Skylder {0}</source>
        <translation>Owes {0}</translation>
    </message>
    <message>
        <source>Tilgodehavende {0}</source>
        <translation>Credit {0}</translation>
    </message>
    <message>
        <source>Intet udestående</source>
        <translation>Nothing outstanding</translation>
    </message>
    <message>
        <source>den gemte saldo passer ikke</source>
        <translation>the stored balance does not add up</translation>
    </message>
    <message>
        <source>beløb i en anden valuta</source>
        <translation>amounts in another currency</translation>
    </message>
    <message>
        <source>rækker fra en anden skole</source>
        <translation>rows of another school</translation>
    </message>
    <message>
        <source>rækker der peger på noget, der ikke findes</source>
        <translation>rows pointing at something that does not exist</translation>
    </message>
    <message>
        <source>det refunderede beløb passer ikke</source>
        <translation>the refunded total does not add up</translation>
    </message>
    <message>
        <source>ugyldige beløb</source>
        <translation>invalid amounts</translation>
    </message>
    <message>
        <source>ukendt status</source>
        <translation>unknown status</translation>
    </message>
    <message>
        <source>ugyldig valutakode</source>
        <translation>invalid currency code</translation>
    </message>
    <message>
        <source>dobbelte kvitteringer</source>
        <translation>duplicate receipts</translation>
    </message>
    <message>
        <source>kvitteringstælleren er bagud</source>
        <translation>the receipt counter is behind</translation>
    </message>
    <message>
        <source>Advarsel: databasen er ikke i orden for denne elev ({0}). Saldoen er regnet forfra ud fra fakturaer og betalinger. Kør »jdoffice db check«, og ret det.</source>
        <translation>Warning: the database is not in order for this student ({0}). The balance is recomputed from invoices and payments. Run “jdoffice db check” and correct it.</translation>
    </message>
    <message>
        <source>Skriv et beløb.</source>
        <translation>Type an amount.</translation>
    </message>
    <message>
        <source>Beløbet må ikke være negativt.</source>
        <translation>The amount must not be negative.</translation>
    </message>
    <message>
        <source>Det er ikke et beløb.</source>
        <translation>That is not an amount.</translation>
    </message>
    <message>
        <source>For mange decimaler; der er højst {digits}.</source>
        <translation>Too many decimals; there are at most {digits}.</translation>
    </message>
    <message>
        <source>Beløbet er for stort; højst {limit}.</source>
        <translation>The amount is too large; at most {limit}.</translation>
    </message>
    <message>
        <source>Beløbet er for stort.</source>
        <translation>The amount is too large.</translation>
    </message>
    <message>
        <source>Beløbet skal være større end nul.</source>
        <translation>The amount must be more than zero.</translation>
    </message>
    <message>
        <source>Kontant modtaget skal gå op i {unit} (tastet: {amount})</source>
        <translation>Cash handed over must be a multiple of {unit} (typed: {amount})</translation>
    </message>
    <message>
        <source>Modtaget {amount} er mindre end kontant i alt ({total})</source>
        <translation>Tendered {amount} is less than the cash total ({total})</translation>
    </message>
    <message>
        <source>{amount} er mere end eleven skylder ({owed}). Sæt flueben ved tilgodehavende for at tage imod mere</source>
        <translation>{amount} is more than the student owes ({owed}). Tick credit to take more</translation>
    </message>
    <message>
        <source>Eleven skylder ikke noget</source>
        <translation>The student owes nothing</translation>
    </message>
    <message>
        <source>Faktura {invoice} er annulleret</source>
        <translation>Invoice {invoice} is cancelled</translation>
    </message>
    <message>
        <source>Faktura {invoice} er allerede betalt</source>
        <translation>Invoice {invoice} is already paid</translation>
    </message>
    <message>
        <source>Faktura {invoice} er netop betalt online</source>
        <translation>Invoice {invoice} was just paid online</translation>
    </message>
    <message>
        <source>Faktura {invoice} er i {currency}; kassen tager {desk}</source>
        <translation>Invoice {invoice} is in {currency}; the desk takes {desk}</translation>
    </message>
    <message>
        <source>Der er ingen faktura {invoice} hos skolen</source>
        <translation>The school has no invoice {invoice}</translation>
    </message>
    <message>
        <source>Der er ingen elev {student} hos skolen</source>
        <translation>The school has no student {student}</translation>
    </message>
    <message>
        <source>Betalingen findes ikke hos skolen</source>
        <translation>The school has no such payment</translation>
    </message>
    <message>
        <source>Der kan højst refunderes {left} (tastet: {amount})</source>
        <translation>At most {left} can be refunded (typed: {amount})</translation>
    </message>
    <message>
        <source>Betalingen er allerede refunderet fuldt ud</source>
        <translation>The payment is already fully refunded</translation>
    </message>
    <message>
        <source>Der er intet at refundere på betalingen</source>
        <translation>There is nothing to refund on the payment</translation>
    </message>
    <message>
        <source>Betalingen er lavet via {method}; refundér den dér</source>
        <translation>The payment was made through {method}; refund it there</translation>
    </message>
    <message>
        <source>Betalingen er ikke lavet via {method}</source>
        <translation>The payment was not made through {method}</translation>
    </message>
    <message>
        <source>Betalingsudbyderen kender ikke betalingen</source>
        <translation>The payment provider does not know the payment</translation>
    </message>
    <message>
        <source>Onlinebetalingen er allerede betalt</source>
        <translation>The online payment is already paid</translation>
    </message>
    <message>
        <source>Onlinebetaling er slået fra; tag imod kontant, bank eller MobilePay</source>
        <translation>Online payment is off; take cash, bank transfer or MobilePay</translation>
    </message>
    <message>
        <source>Skriv en begrundelse for refusionen</source>
        <translation>Type a reason for the refund</translation>
    </message>
    <message>
        <source>Forsøget er allerede brugt til noget andet</source>
        <translation>This attempt was already used for something else</translation>
    </message>
    <message>
        <source>Teksten er for lang ({length} tegn, højst {limit})</source>
        <translation>The text is too long ({length} characters, at most {limit})</translation>
    </message>
    <message>
        <source>E-mail er ikke sat op på denne kasse</source>
        <translation>E-mail is not set up at this desk</translation>
    </message>
    <message>
        <source>SMS er ikke sat op på denne kasse</source>
        <translation>SMS is not set up at this desk</translation>
    </message>
    <message>
        <source>Eleven {student} har ingen gyldig e-mailadresse at sende kontoudtoget til</source>
        <translation>Student {student} has no valid e-mail address to send the statement to</translation>
    </message>
    <message>
        <source>Kontoudtoget er for stort til en e-mail; vælg en kortere periode</source>
        <translation>The statement is too large for an e-mail; choose a shorter period</translation>
    </message>
    <message>
        <source>Udsendelse som {what} er slået fra for skolen</source>
        <translation>Sending by {what} is off for the school</translation>
    </message>
    <message>
        <source>Onlinebetalingen for faktura {invoice} er ikke åben; start en ny</source>
        <translation>The online payment for invoice {invoice} is not open; start a new one</translation>
    </message>
    <message>
        <source>Modtaget beløb giver kun mening ved kontant</source>
        <translation>An amount tendered only applies to cash</translation>
    </message>
    <message>
        <source>{asked} overlapper perioden {period}, som {staff} eksporterede {at} UTC ved {desk}; vælg præcis den periode for at gentage eksporten, eller en periode fra {after}</source>
        <translation>{asked} overlaps the period {period}, which {staff} exported {at} UTC at {desk}; choose exactly that period to repeat the export, or a period from {after}</translation>
    </message>
    <message>
        <source>En anden kasse har netop eksporteret perioden; prøv igen</source>
        <translation>Another desk has just exported the period; try again</translation>
    </message>
    <message>
        <source>Perioden slutter ({end}), før den begynder ({start})</source>
        <translation>The period ends ({end}) before it starts ({start})</translation>
    </message>
    <message>
        <source>En periode er højst fem år</source>
        <translation>A period is at most five years</translation>
    </message>
    <message>
        <source>{period} er ikke begyndt (i dag er det {today}); eksportér fra dens første dag</source>
        <translation>{period} has not begun (today is {today}); export it from its first day on</translation>
    </message>
    <message>
        <source>{day} ligger uden for bogføringens år: fra {first} til {last}</source>
        <translation>{day} is outside the years of the books: from {first} to {last}</translation>
    </message>
    <message>
        <source>Gælder ikke en onlinebetaling hos denne skole</source>
        <translation>Not an online payment of this school</translation>
    </message>
    <message>
        <source>Ukendt onlinebetaling</source>
        <translation>Unknown online payment</translation>
    </message>
    <message>
        <source>Svaret nævner ingen skole</source>
        <translation>The answer names no school</translation>
    </message>
    <message>
        <source>Svaret nævner en anden skole</source>
        <translation>The answer names another school</translation>
    </message>
    <message>
        <source>Gælder ikke en betaling hos denne skole</source>
        <translation>Not a payment of this school</translation>
    </message>
    <message>
        <source>Gælder ikke en refusion hos denne skole</source>
        <translation>Not a refund of this school</translation>
    </message>
    <message>
        <source>Refusionen hører til en anden betaling</source>
        <translation>The refund belongs to another payment</translation>
    </message>
    <message>
        <source>Refusionsbeløbet er ikke et positivt helt beløb</source>
        <translation>The refund amount is not a positive whole amount</translation>
    </message>
    <message>
        <source>Refusion uden reference</source>
        <translation>Refund without a reference</translation>
    </message>
    <message>
        <source>Refusion uden gyldig valuta</source>
        <translation>Refund without a valid currency</translation>
    </message>
    <message>
        <source>Refusionen er større end det, der er tilbage ({a} &gt; {b})</source>
        <translation>The refund is larger than what is left ({a} &gt; {b})</translation>
    </message>
    <message>
        <source>Refusionsbeløb {a} øre ≠ {b} øre bestilt</source>
        <translation>Refund amount {a} øre ≠ {b} øre asked for</translation>
    </message>
    <message>
        <source>Betalt online, mens der kun skyldtes {a}; {b} står som tilgodehavende</source>
        <translation>Paid online while only {a} was owed; {b} kept as credit</translation>
    </message>
    <message>
        <source>betaling {a} ≠ {b}</source>
        <translation>payment {a} ≠ {b}</translation>
    </message>
    <message>
        <source>skole {a} ≠ {b}</source>
        <translation>school {a} ≠ {b}</translation>
    </message>
    <message>
        <source>faktura {a} ≠ {b}</source>
        <translation>invoice {a} ≠ {b}</translation>
    </message>
    <message>
        <source>elev {a} ≠ {b}</source>
        <translation>student {a} ≠ {b}</translation>
    </message>
    <message>
        <source>beløb {a} øre ≠ {b} øre</source>
        <translation>amount {a} øre ≠ {b} øre</translation>
    </message>
    <message>
        <source>valuta {a} ≠ {b}</source>
        <translation>currency {a} ≠ {b}</translation>
    </message>
    <message>
        <source>rigtig betaling hos en skole i testtilstand</source>
        <translation>live payment at a school in test mode</translation>
    </message>
    <message>
        <source>testbetaling hos en skole i drift</source>
        <translation>test payment at a school in live mode</translation>
    </message>
    <message>
        <source>Databasen kan ikke nås: {0}</source>
        <translation>The database cannot be reached: {0}</translation>
    </message>
    <message>
        <source>Denne betaling er måske allerede registreret med et andet beløb. Intet nyt er registreret – luk vinduet (Esc) og se elevens betalinger, før du prøver igen.</source>
        <translation>This payment may already be recorded with another amount. Nothing new is recorded – close the window (Esc) and look at the student&apos;s payments before you try again.</translation>
    </message>
    <message>
        <source>En anden kasse har netop ændret denne elev. Intet er registreret – se det nye udestående og prøv igen.</source>
        <translation>Another desk has just changed this student. Nothing is recorded – look at the new outstanding amount and try again.</translation>
    </message>
    <message>
        <source>Kassen har intet åbent skift, og kontanter kræver et. Intet er registreret – åbn skiftet med Ctrl+Shift+O (Kasse → Åbn skift) og prøv igen.</source>
        <translation>The desk has no open shift, and cash needs one. Nothing is recorded – open the shift with Ctrl+Shift+O (Desk → Open shift) and try again.</translation>
    </message>
    <message>
        <source>Din rolle tillader ikke dette, og ingen leder har godkendt det. Intet er registreret.</source>
        <translation>Your role does not allow this, and no manager has approved it. Nothing is recorded.</translation>
    </message>
    <message>
        <source>Det kan ikke lade sig gøre. Intet er registreret.</source>
        <translation>That is not possible. Nothing is recorded.</translation>
    </message>
    <message>
        <source>Findes ikke (længere). Intet er registreret.</source>
        <translation>Does not exist (any more). Nothing is recorded.</translation>
    </message>
    <message>
        <source>Ret indtastningen. Intet er registreret.</source>
        <translation>Correct the input. Nothing is recorded.</translation>
    </message>
    <message>
        <source>Databasen kan ikke nås lige nu. Tryk Enter for at prøve igen – betalingen bliver aldrig registreret to gange.</source>
        <translation>The database cannot be reached right now. Press Enter to try again – the payment is never recorded twice.</translation>
    </message>
    <message>
        <source>Uventet fejl. Intet er registreret; prøv igen, eller kontakt support.</source>
        <translation>Unexpected error. Nothing is recorded; try again, or contact support.</translation>
    </message>
</context>
<context>
    <name>ZReport</name>
    <message>
        <source>Z-RAPPORT {0}</source>
        <translation>Z-REPORT {0}</translation>
    </message>
    <message>
        <source>Kasse: {0}</source>
        <translation>Desk: {0}</translation>
    </message>
    <message>
        <source>Åbnet {0}</source>
        <translation>Opened {0}</translation>
    </message>
    <message>
        <source>  af {0}</source>
        <translation>  by {0}</translation>
    </message>
    <message>
        <source>Lukket {0}</source>
        <translation>Closed {0}</translation>
    </message>
    <message>
        <source>Kvitteringer nr. {0}–{1}</source>
        <translation>Receipts no. {0}–{1}</translation>
    </message>
    <message>
        <source>Startbeholdning</source>
        <translation>Float</translation>
    </message>
    <message>
        <source>Kontante betalinger</source>
        <translation>Cash payments</translation>
    </message>
    <message>
        <source>Indbetalinger</source>
        <translation>Pay-ins</translation>
    </message>
    <message>
        <source>Kontant ind i alt</source>
        <translation>Cash in, total</translation>
    </message>
    <message>
        <source>Kontante refusioner</source>
        <translation>Cash refunds</translation>
    </message>
    <message>
        <source>Udbetalinger</source>
        <translation>Pay-outs</translation>
    </message>
    <message>
        <source>Kontant ud i alt</source>
        <translation>Cash out, total</translation>
    </message>
    <message>
        <source>Afrunding</source>
        <translation>Rounding</translation>
    </message>
    <message>
        <source>Forventet i kassen</source>
        <translation>Expected in the drawer</translation>
    </message>
    <message>
        <source>Optalt</source>
        <translation>Counted</translation>
    </message>
    <message>
        <source>Difference</source>
        <translation>Variance</translation>
    </message>
    <message>
        <source>Note: {0}</source>
        <translation>Note: {0}</translation>
    </message>
    <message>
        <source>Ikke sendt ved lukning ({0} betalinger)</source>
        <translation>Not sent at close ({0} payments)</translation>
    </message>
    <message>
        <source>Pr. betalingsmåde</source>
        <translation>By method</translation>
    </message>
    <message>
        <source>{0} ({1} betalinger)</source>
        <translation>{0} ({1} payments)</translation>
    </message>
    <message>
        <source>  refunderet ({0})</source>
        <translation>  refunded ({0})</translation>
    </message>
    <message>
        <source>Ingen betalinger</source>
        <translation>No payments</translation>
    </message>
    <message>
        <source>Ind- og udbetalinger</source>
        <translation>Pay-ins and pay-outs</translation>
    </message>
    <message>
        <source>KOPI</source>
        <translation>COPY</translation>
    </message>
    <message>
        <source>Z-rapport {0}</source>
        <translation>Z-report {0}</translation>
    </message>
</context>
<context>
    <name>ZReportDialog</name>
    <message>
        <source>Z-rapport</source>
        <translation>Z-report</translation>
    </message>
    <message>
        <source>&amp;Z-nummer:</source>
        <translation>&amp;Z number:</translation>
    </message>
    <message>
        <source>&amp;Hent</source>
        <translation>&amp;Fetch</translation>
    </message>
    <message>
        <source>Gem som &amp;PDF …</source>
        <translation>Save as &amp;PDF …</translation>
    </message>
    <message>
        <source>Udskriv &amp;80 mm</source>
        <translation>Print &amp;80 mm</translation>
    </message>
    <message>
        <source>Ingen bonprinter er sat op (Indstillinger → Printer).</source>
        <translation>No receipt printer is set up (Settings → Printer).</translation>
    </message>
    <message>
        <source>Ret &amp;optælling …</source>
        <translation>C&amp;orrect count …</translation>
    </message>
    <message>
        <source>&amp;Genåbn skift …</source>
        <translation>Reopen shift (&amp;G) …</translation>
    </message>
    <message>
        <source>Kræver en leder (eller en leders godkendelse).</source>
        <translation>Needs a manager (or a manager&apos;s approval).</translation>
    </message>
    <message>
        <source>&amp;Luk</source>
        <translation>&amp;Close</translation>
    </message>
    <message>
        <source>Z-rapport {0} – {1}</source>
        <translation>Z-report {0} – {1}</translation>
    </message>
    <message>
        <source>Gem Z-rapport</source>
        <translation>Save Z-report</translation>
    </message>
    <message>
        <source>Gemt som {0}</source>
        <translation>Saved as {0}</translation>
    </message>
    <message>
        <source>Z-rapporten er udskrevet.</source>
        <translation>The Z-report was printed.</translation>
    </message>
    <message>
        <source>Ikke godkendt; intet er rettet.</source>
        <translation>Not approved; nothing was corrected.</translation>
    </message>
    <message>
        <source>{0} er rettet; differencen er nu {1}.</source>
        <translation>{0} is corrected; the variance is now {1}.</translation>
    </message>
    <message>
        <source>Genåbn skift</source>
        <translation>Reopen shift</translation>
    </message>
    <message>
        <source>Genåbn {0} på {1}? Skiftet tager imod kontanter igen og lukkes senere med en ny optælling under samme Z-nummer. Den første lukning gemmes i loggen.</source>
        <translation>Reopen {0} on {1}? The shift takes cash again and is closed later with a new count under the same Z number. The first close is kept in the log.</translation>
    </message>
    <message>
        <source>Ikke godkendt; intet er genåbnet.</source>
        <translation>Not approved; nothing was reopened.</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>e-mail</source>
        <translation>e-mail</translation>
    </message>
    <message>
        <source>{0} sendt til {1}</source>
        <translation>{0} sent to {1}</translation>
    </message>
    <message>
        <source>prøves igen</source>
        <translation>tried again</translation>
    </message>
    <message>
        <source>opgivet</source>
        <translation>given up</translation>
    </message>
    <message>
        <source>{0} til {1} ikke sendt ({2}); {3}</source>
        <translation>{0} to {1} not sent ({2}); {3}</translation>
    </message>
    <message>
        <source>{0} til {1} ikke sendt; {2}</source>
        <translation>{0} to {1} not sent; {2}</translation>
    </message>
    <message>
        <source>Link sendt som {0} til {1}</source>
        <translation>Link sent as {0} to {1}</translation>
    </message>
    <message>
        <source>; det prøves igen om lidt</source>
        <translation>; it is tried again shortly</translation>
    </message>
    <message>
        <source>Link ikke sendt som {0} til {1}{2}</source>
        <translation>Link not sent as {0} to {1}{2}</translation>
    </message>
    <message>
        <source>Link ikke sendt som {0} til {1}: {2}{3}</source>
        <translation>Link not sent as {0} to {1}: {2}{3}</translation>
    </message>
</context>
</TS>
