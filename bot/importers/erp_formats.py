"""Chart-of-accounts and vendor exports of ERPs Ramp has no integration for (issue 14 §3).

Each row follows the product's documented export or import fields, cited beside it; types map
through `classifications.py` (codes through the format's own table, and Dynamics GP's and Sage
300's two columns through their `PairRule`). Researched and left out, for want of a documented
layout the format table can read (the column-mapping step reads such files):
SAP Business One (its SDK documents OACT's AcctCode, AcctName, Postable, FrozenFor and ActType,
but ActType is only Revenues, Expenses or Other: assets, liabilities and equity are told apart by
the account's drawer, which no documented export column carries), Sage 100 vendors (AP_Vendor's
key is APDivisionNo plus VendorNo, two columns, and its status codes are undocumented), Acumatica
(its account types Asset, Liability, Income and Expense are documented, with no equity type; its
exports' column headers are not), Zoho Books vendors, and Odoo vendors (a contact export is
whatever columns the user picks).
"""

from __future__ import annotations

from typing import Final

from bot.category_kinds import GL_ACCOUNTS, VENDORS
from bot.importers.classifications import (
    DYNAMICS_GP_ACCOUNTS,
    IIF_ACCOUNT_TYPES,
    ODOO_ACCOUNT_TYPES,
    SAGE_50_ACCOUNT_TYPES,
    SAGE_100_ACCOUNT_TYPES,
    SAGE_300_ACCOUNTS,
)
from bot.importers.format_spec import Format
from bot.importers.format_spec import col as _c

ERP_FORMATS: Final[tuple[Format, ...]] = (
    # Intuit's IIF import kit, "Chart of accounts (ACCNT)": NAME (sub-accounts "Parent:Child"),
    # REFNUM and TIMESTAMP in exports, ACCNTTYPE (AP, AR, BANK, CCARD, COGS, EQUITY, EXEXP, EXINC,
    # EXP, FIXASSET, INC, LTLIAB, NONPOSTING, OASSET, OCASSET, OCLIAB), OBAMOUNT, DESC, ACCNUM,
    # EXTRA (https://support.quickbooks.intuit.com/support/pages/executable/iif/iif_import_kit.zip).
    # An IIF file is tab-separated, one section per list ("!ACCNT" header, "ACCNT" rows): `iif.py`
    # picks the section. Non-posting accounts hold purchase orders and estimates: skipped.
    # assumption: HIDDEN (Y/N) marks an inactive account in exports, as for the other lists.
    Format(
        "QuickBooks Desktop IIF accounts",
        GL_ACCOUNTS,
        (
            _c("section", "!ACCNT", required=True),
            _c("name", "NAME", required=True),
            _c("type", "ACCNTTYPE", required=True),
            _c("code", "ACCNUM"),
            _c("refnum", "REFNUM"),
            _c("description", "DESC"),
            _c("inactive", "HIDDEN"),
        ),
        "File → Utilities → Export → Lists to IIF Files → Chart of Accounts. The list's REFNUM is the id "
        "(the name when the file has none); NONPOSTING and hidden accounts are skipped.",
        id_fields=("refnum", "name"),
        classification="type",
        type_values=IIF_ACCOUNT_TYPES,
        skip_types=(("NONPOSTING", "non_posting"),),
    ),
    # The kit's "Vendor list (VEND)": NAME, REFNUM, TIMESTAMP, PRINTAS, ADDR1-5, VTYPE, CONT1,
    # PHONE1, PHONE2, FAXNUM, NOTE, TAXID, …, COMPANYNAME, FIRSTNAME, LASTNAME (same kit).
    Format(
        "QuickBooks Desktop IIF vendors",
        VENDORS,
        (
            _c("section", "!VEND", required=True),
            _c("name", "NAME", required=True),
            _c("refnum", "REFNUM"),
            _c("company", "COMPANYNAME"),
            _c("phone", "PHONE1"),
            _c("inactive", "HIDDEN"),
        ),
        "File → Utilities → Export → Lists to IIF Files → Vendor List. The list's REFNUM is the id (the name "
        "when the file has none); hidden vendors are skipped.",
        id_fields=("refnum", "name"),
    ),
    # Odoo: Accounting → Configuration → Chart of Accounts lists Code, Account Name and Type (Odoo's
    # guide, https://raw.githubusercontent.com/odoo/documentation/19.0/content/applications/finance/
    # accounting/get_started/chart_of_accounts.rst); an export writes those labels, and the type as
    # its label ("Bank and Cash") or, import-compatible, its key ("asset_cash"): account.account's
    # `account_type` selection (odoo/odoo, addons/account/models/account_account.py). Deprecated
    # (True) accounts cannot be posted to: skipped as inactive. Off-balance-sheet accounts are
    # skipped too.
    Format(
        "Odoo chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "Code", required=True),
            _c("name", "Account Name", required=True),
            _c("type", "Type", "Account Type", required=True),
            _c("reconcile", "Allow Reconciliation"),
            _c("currency", "Account Currency"),
            _c("inactive", "Deprecated"),
        ),
        "Accounting → Configuration → Chart of Accounts, select all, Action → Export. The code is the id; "
        "deprecated and off-balance-sheet accounts are skipped.",
        classification="type",
        type_values=ODOO_ACCOUNT_TYPES,
        skip_types=(("Off-Balance Sheet", "off_balance"), ("off_balance", "off_balance")),
        code_is_id=True,
    ),
    # Zoho Books: Accountant → Chart of Accounts → gear → Export Chart of Accounts; the export
    # carries the Account ID an import matches on (https://www.zoho.com/us/books/kb/accountant/
    # bulkupdate-accountname-coa.html) beside the template's Account Name, Account Code, Account
    # Type, Description, Parent Account, Currency (as described at https://acowntant.ae/
    # zoho-import-chart-of-accounts.html). Types: Zoho's help, cited in classifications.py.
    # assumption: the export's status column is "Account Status" (Active / Inactive), the word
    # Zoho's API uses; without it nothing is skipped as inactive.
    Format(
        "Zoho Books chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "Account ID"),
            _c("name", "Account Name", required=True),
            _c("code", "Account Code"),
            _c("type", "Account Type", required=True),
            _c("description", "Description"),
            _c("parent", "Parent Account"),
            _c("currency", "Currency"),
        ),
        "Accountant → Chart of Accounts → ⚙ → Export Chart of Accounts. The Account ID is the id (the code, "
        "then the name, when the file has none); inactive accounts are skipped.",
        id_fields=("id", "code", "name"),
        classification="type",
        identifying=("accountid", "accountcode", "parentaccount"),
    ),
    # MYOB AccountRight's account fields: *Account Number ("1-1234"), Account Name, Header (any
    # non-blank character: a header account), Balance, Account Type, Inactive Account (Y: inactive)
    # (https://help.myob.com/wiki/x/8YFk; the older editions' list of types,
    # https://discmaster.textfiles.com/file/37224/DPCS0205.ISO/Trials/AccPlus/Data1.cab/impexptables.htm).
    # Exports are tab-separated text files.
    Format(
        "MYOB AccountRight accounts",
        GL_ACCOUNTS,
        (
            _c("id", "Account Number", required=True),
            _c("name", "Account Name", required=True),
            _c("posting", "Header"),
            _c("type", "Account Type"),
            _c("balance", "Balance"),
            _c("inactive", "Inactive Account"),
        ),
        "File → Export Data → Accounts → Account Information. The account number is the id; header accounts "
        "and inactive accounts are skipped.",
        classification="type",
        posting_values=(),
        code_is_id=True,
        identifying=("header", "inactiveaccount"),
    ),
    # MYOB's supplier card fields: ^Co./Last Name, First Name, ^Card ID ("*None is equivalent to no
    # entry"), Card Status (Y: inactive), Currency Code, addresses (AccountRight's "Import and
    # export fields", https://help.myob.com/wiki/x/8YFk; the same fields in its US edition,
    # https://help.accountedge.com/prem16/win/impexptables-05.htm). A card without an id is named
    # by Co./Last Name; a person's first name is left out of the name, as MYOB lists it apart.
    Format(
        "MYOB AccountRight supplier cards",
        VENDORS,
        (
            _c("name", "Co./Last Name", required=True),
            _c("first_name", "First Name"),
            _c("id", "Card ID"),
            _c("inactive", "Card Status"),
        ),
        "File → Export Data → Cards → Supplier Cards. The Card ID is the id (the name when it is *None); "
        "inactive cards are skipped.",
        id_fields=("id", "name"),
        empty_values=("*None",),
    ),
    # Sage 50 (US), CHART.CSV: Account ID, Account Description, Account Type (numbers 0-24),
    # Inactive True/False ("Chart of Accounts Fields (Import/Export)",
    # https://help-sage50.na.sage.com/en-us/2019/Content/Importing_Exporting/Import_Export_Fields/
    # IEFIELDS_Chart_of_Accounts.htm); the numbers' meaning is in classifications.py.
    Format(
        "Sage 50 chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "Account ID", required=True),
            _c("name", "Account Description", required=True),
            _c("type", "Account Type", required=True),
        ),
        "File → Select Import/Export → General Ledger → Chart of Accounts → Export (CHART.CSV). The Account "
        "ID is the id; inactive accounts are skipped.",
        classification="type",
        type_values=SAGE_50_ACCOUNT_TYPES,
        code_is_id=True,
    ),
    # Sage 100 (formerly MAS 90/200), table GL_Account: AccountKey (the account number as stored),
    # Account (the fully formatted number, "101-00-00"), AccountDesc, MainAccountCode, Status
    # (A=Active, I=Inactive, D=Deleted), AccountType (two digits, see classifications.py),
    # AccountGroup, AccountCategory (Sage's "File Layouts" 4.40, GL_ChangeAccountsValidate, which
    # carries GL_Account's columns, and GL_AccountType: https://fayebsg.com/wp-content/uploads/
    # 2018/10/MAS90_File_Layouts.zip; the same columns in Sage Data Exchange's GL Account table,
    # http://wiki.mbabsi.com/doku.php/enhancements/sage100/modules/sde/api/tables/gl_account).
    # Status is a code the shared status rule does not know, so it is read as the `posting` column:
    # a row whose Status is not A is skipped as inactive (deleted ones too).
    # assumption: an export of the table (Excel through Sage 100's ODBC driver, or a Visual
    # Integrator export with field names) heads its columns with these column names; Sage
    # documents no other chart-of-accounts export.
    Format(
        "Sage 100 chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "AccountKey"),
            _c("code", "Account", required=True),
            _c("name", "AccountDesc", required=True),
            _c("type", "AccountType", required=True),
            _c("main_account", "MainAccountCode"),
            _c("posting", "Status"),
        ),
        "Excel → Data → From Other Sources → ODBC (Sage 100's SOTAMAS90 driver), table GL_Account, or "
        "Visual Integrator → Export Job Maintenance on GL_Account. AccountKey is the id and Account the "
        "code; inactive, deleted and non-financial accounts are skipped.",
        id_fields=("id", "code"),
        classification="type",
        type_values=SAGE_100_ACCOUNT_TYPES,
        posting_values=("A",),
        layout_reason="inactive",
        skip_types=(("15", "statistical"),),
    ),
    # Microsoft Dynamics GP's account master, GL00100: ACTINDX (the internal account index, its key),
    # ACTNUMBR_1 to ACTNUMBR_n (the segments), MNACSGMT, ACCTTYPE, ACTDESCR, PSTNGTYP, ACCATNUM,
    # ACTIVE, TPCLBLNC, ACCTENTR (the GP migration tool's copy of the table, microsoft/ALAppExtensions
    # Apps/W1/HybridGP/app/src/Migration/GPTables/GPGL00100.Table.al); the account number as users
    # see it, ACTNUMST, is in the account index master GL00105, beside ACTINDX (GPGL00105.Table.al,
    # same folder). Values: ACCTTYPE "1=Posting; 2=Unit account; 3=Posting allocation; 4=Unit
    # allocation", ACTIVE "0=Inactive; 1=Active", PSTNGTYP and TPCLBLNC in classifications.py
    # (eConnect's <taUpdateCreateAccountRcd>, https://learn.microsoft.com/en-us/previous-versions/
    # dynamicsgp/developer/ff623978(v=msdn.10)). Unit accounts hold quantities, not money (the
    # migration tool moves ACCTTYPE 2 to Business Central's statistical accounts): 2 and 4 are
    # skipped as statistical. ACTIVE is read by the shared status rule. The id is ACTNUMST, what a
    # finance user knows the account by; a GL00100 export without it falls back to ACTINDX, with no
    # code (composing the number from its segments needs the company's account format).
    # assumption: posting allocation accounts (3) are posted to, and GP spreads the amount over
    # other accounts, so they are kept.
    # assumption: a table export (Excel → Data → From SQL Server, or a query saved as CSV) heads its
    # columns with these column names, as for PM00200 below.
    Format(
        "Dynamics GP chart of accounts",
        GL_ACCOUNTS,
        (
            _c("code", "ACTNUMST"),
            _c("index", "ACTINDX"),
            _c("name", "ACTDESCR", required=True),
            _c("posting_type", "PSTNGTYP", required=True),
            _c("typical_balance", "TPCLBLNC", required=True),
            _c("type", "ACCTTYPE"),
            _c("main_segment", "MNACSGMT"),
        ),
        "Excel → Data → Get Data → From SQL Server, the company database's table GL00100 (Account Master) "
        "joined to GL00105 for ACTNUMST, or the same query saved as CSV. ACTNUMST is the id and code "
        "(ACTINDX when the file has no ACTNUMST); unit accounts and inactive accounts are skipped.",
        id_fields=("code", "index"),
        classification=DYNAMICS_GP_ACCOUNTS,
        skip_types=(("2", "statistical"), ("4", "statistical")),
        identifying=("actnumst", "actindx"),
    ),
    # Sage 300 (formerly Accpac), table GLAMF (view GL0001): ACCTID ("Unformatted Account", the
    # key), ACCTDESC, ACCTTYPE, ACCTBAL, ACTIVESW (0=Inactive, 1=Active), ACCTGRPCOD, ACCTFMTTD
    # ("Formatted Account ID"), among 41 fields (Sage's Accpac Object Model, http://sageaom.kcsvar.com/
    # AOM54/GLAMF.HTM); Sage 300's "Account Master Fields" gives ACTIVESW as "ACTIVE" or "INACTIVE"
    # in its text form (https://documentation.help/GL61AENG/AccountMasterFields.htm): the shared
    # status rule reads both. ACCTTYPE and ACCTBAL: classifications.py. The id is the formatted
    # account number when the file has it (what users see, segments separated), else ACCTID.
    # assumption: an export of the table (Sage 300's File → Export on the Accounts screen, or the
    # table through ODBC) heads its columns with these field names.
    Format(
        "Sage 300 chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "ACCTID", required=True),
            _c("formatted", "ACCTFMTTD"),
            _c("name", "ACCTDESC", required=True),
            _c("account_type", "ACCTTYPE", required=True),
            _c("normal_balance", "ACCTBAL", required=True),
            _c("active", "ACTIVESW"),
            _c("group", "ACCTGRPCOD"),
        ),
        "General Ledger → G/L Accounts → Accounts, File → Export (table GLAMF), or GLAMF through ODBC. The "
        "formatted account number (ACCTFMTTD) is the id and code, ACCTID when the file has none; inactive "
        "accounts are skipped.",
        id_fields=("formatted", "id"),
        classification=SAGE_300_ACCOUNTS,
        code_is_id=True,
    ),
    # Microsoft Dynamics GP's vendor master, PM00200, whose columns eConnect's vendor node names:
    # VENDORID (required), VENDNAME, VENDSHNM, VNDCHKNM, HOLD (0/1), VENDSTTS (1=Active;
    # 2=Inactive; 3=Temporary), VNDCLSID, VNDCNTCT, …, PHNUMBR1 ("<taUpdateCreateVendorRcd>",
    # https://learn.microsoft.com/en-us/previous-versions/dynamicsgp/developer/ff624039(v=msdn.10)).
    # VENDSTTS is a code the shared status rule does not know, so it is read as the `type` column
    # (vendors have no classification) and 2 is skipped as inactive. A vendor on hold or temporary
    # can still be coded to, as Business Central's payment-blocked vendors are, so is kept.
    # assumption: a table export (Excel → Data → From SQL Server, or a query saved as CSV) heads its
    # columns with these names; SmartList's column labels are not documented, and the column-mapping
    # step reads such a file.
    Format(
        "Dynamics GP vendors",
        VENDORS,
        (
            _c("id", "VENDORID", required=True),
            _c("name", "VENDNAME", required=True),
            _c("short_name", "VENDSHNM"),
            _c("vendor_class", "VNDCLSID"),
            _c("contact", "VNDCNTCT"),
            _c("phone", "PHNUMBR1"),
            _c("type", "VENDSTTS"),
        ),
        "Excel → Data → Get Data → From SQL Server, the company database's table PM00200 (Vendor Master), "
        "or the same table queried and saved as CSV. VENDORID is the id; inactive vendors (VENDSTTS 2) are "
        "skipped.",
        skip_types=(("2", "inactive"),),
    ),
    # Sage 50 (US), VENDOR.CSV: Vendor ID, Vendor Name, Inactive, Contact, …, Telephone 1, Vendor
    # Email ("Vendor List Fields (Import/Export)", https://help-sage50.na.sage.com/en-us/2019/
    # Content/Importing_Exporting/Import_Export_Fields/IEFIELDS_Vendor_List.htm).
    Format(
        "Sage 50 vendors",
        VENDORS,
        (
            _c("id", "Vendor ID", required=True),
            _c("name", "Vendor Name", required=True),
            _c("contact", "Contact"),
            _c("phone", "Telephone 1"),
            _c("email", "Vendor Email"),
        ),
        "File → Select Import/Export → Accounts Payable → Vendor List → Export (VENDOR.CSV). Inactive "
        "vendors are skipped.",
    ),
)
