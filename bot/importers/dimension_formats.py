"""The ERPs' dimension lists, read as the options of a custom field named after the dimension.

The most common custom fields in Ramp are the ERP's dimensions (issue 14 §2): NetSuite's
departments, classes and locations, Sage Intacct's departments, classes, projects and locations,
Business Central's dimension values, QuickBooks Desktop's classes. Each list export becomes the
options of one field (`Format.field_name`, "Department"), or, for Business Central, of the field
its `Dimension Code` column names; the upload then creates the field if Ramp lacks it (the
existing modal) or diffs its options like any category. Inactive and blocked values are skipped
as accounts are; names are kept exactly as the ERP writes them, hierarchy included (NetSuite's
"Engineering : Platform", QuickBooks' "West:Retail"); a value's code, where the ERP has one, is
its id and Ramp's option code.

Not here, for want of a documented export: Xero's tracking categories (Xero documents them only
through its API: https://developer.xero.com/documentation/api/accounting/trackingcategories) and
QuickBooks Online's classes and locations (no list export found in Intuit's help). Their options
come in through the plain `field,option_id,option_value` format or the column-mapping step.
"""

from __future__ import annotations

from typing import Final

from bot.category_kinds import FIELD_OPTIONS
from bot.importers.format_spec import Format
from bot.importers.format_spec import col as _c

# Words of a file's name that say which dimension a list holds, when the file does not: the
# field name proposed for Business Central dimension values without a Dimension Code column.
# assumption: the usual names of dimensions in these ERPs' own documentation; the user can
# rename the field, or add the Dimension Code column to the export.
DIMENSION_WORDS: Final = (
    ("department", "Department"),
    ("class", "Class"),
    ("location", "Location"),
    ("project", "Project"),
    ("cost cent", "Cost Center"),
    ("costcent", "Cost Center"),
    ("region", "Region"),
    ("division", "Division"),
    ("area", "Area"),
)
DEFAULT_DIMENSION: Final = "Dimension"

_NETSUITE_EXCLUDING: Final = ("type", "accounttype", "email", "phone", "country", "currency")

DIMENSION_FORMATS: Final[tuple[Format, ...]] = (
    # NetSuite's department record: Name, Internal ID, Inactive ("Department is Inactive"), the
    # parent as "Subdepartment of", Subsidiaries (https://system.netsuite.com/help/helpcenter/
    # en_US/srbrowser/Browser2023_1/schema/record/Department.html; the ODBC table's column
    # labels, .../Browser2022_2/odbc/record/department.html). Lists show sub-departments as
    # "Parent : Child", which is kept. The header alone is a vendor list's ("Internal ID, Name"),
    # so the parent column or the file's name tells it apart.
    Format(
        "NetSuite departments",
        FIELD_OPTIONS,
        (
            _c("id", "Internal ID", required=True),
            _c("name", "Name", required=True),
            _c("parent", "Subdepartment of"),
            _c("subsidiary", "Subsidiary", "Subsidiaries"),
        ),
        "Setup → Company → Departments (or a department saved search), exported as CSV. The options of "
        "the custom field “Department”; inactive departments are skipped.",
        field_name="Department",
        identifying=("subdepartmentof",),
        excluding=_NETSUITE_EXCLUDING,
        file_words=("department",),
    ),
    # NetSuite's class record ("classification"): name, Internal ID, "Subclass of", Inactive,
    # Subsidiaries (https://system.netsuite.com/help/helpcenter/en_US/srbrowser/Browser2024_2/
    # script/record/classification.html).
    Format(
        "NetSuite classes",
        FIELD_OPTIONS,
        (
            _c("id", "Internal ID", required=True),
            _c("name", "Name", required=True),
            _c("parent", "Subclass of"),
            _c("subsidiary", "Subsidiary", "Subsidiaries"),
        ),
        "Setup → Company → Classes (or a class saved search), exported as CSV. The options of the custom "
        "field “Class”; inactive classes are skipped.",
        field_name="Class",
        identifying=("subclassof",),
        excluding=_NETSUITE_EXCLUDING,
        file_words=("class",),
    ),
    # assumption: NetSuite's location list exports the Internal ID, Name and Inactive columns its
    # department and class lists do; no page found lists its columns or its parent's label, so
    # only the file's name ("Locations.csv") tells a location list from a vendor list.
    Format(
        "NetSuite locations",
        FIELD_OPTIONS,
        (
            _c("id", "Internal ID", required=True),
            _c("name", "Name", required=True),
            _c("subsidiary", "Subsidiary", "Subsidiaries"),
        ),
        "Setup → Company → Locations, exported as CSV (keep “location” in the file's name). The options "
        "of the custom field “Location”; inactive locations are skipped.",
        field_name="Location",
        excluding=_NETSUITE_EXCLUDING,
        file_words=("location",),
    ),
    # Sage Intacct's DEPARTMENT object: DEPARTMENTID, TITLE, PARENTID, SUPERVISORID, STATUS
    # active/inactive (github.com/intacct/intacct-sdk-php, src/Intacct/Functions/Company/
    # DepartmentCreate.php); the CSV template carries the same field names ("CSV import:
    # Departments", Company → Setup → Configuration → Import data).
    Format(
        "Sage Intacct departments",
        FIELD_OPTIONS,
        (
            _c("id", "DEPARTMENTID", required=True),
            _c("name", "TITLE", required=True),
            _c("parent", "PARENTID"),
        ),
        "Company → Departments, exported as CSV (the import template's columns). The options of the custom "
        "field “Department”, the DEPARTMENTID as code; inactive departments are skipped.",
        code_is_id=True,
        field_name="Department",
    ),
    # Intacct's CLASS object: CLASSID, NAME, DESCRIPTION, PARENTID, STATUS (intacct-sdk-php,
    # src/Intacct/Functions/Company/ClassCreate.php; "CSV import: Classes",
    # https://www.intacct.com/ia/docs/en_AU/help_action/More/Uploading_Data/Company/import-classes.htm).
    Format(
        "Sage Intacct classes",
        FIELD_OPTIONS,
        (
            _c("id", "CLASSID", required=True),
            _c("name", "NAME", required=True),
            _c("description", "DESCRIPTION"),
            _c("parent", "PARENTID"),
        ),
        "Company → Classes, exported as CSV. The options of the custom field “Class”, the CLASSID as code; "
        "inactive classes are skipped.",
        code_is_id=True,
        field_name="Class",
    ),
    # Intacct's PROJECT object: PROJECTID, NAME, PROJECTCATEGORY, PARENTID, CUSTOMERID, STATUS
    # active/inactive (PROJECTSTATUS is the project's stage, not whether it can be used)
    # (intacct-sdk-php, src/Intacct/Functions/Projects/ProjectCreate.php).
    Format(
        "Sage Intacct projects",
        FIELD_OPTIONS,
        (
            _c("id", "PROJECTID", required=True),
            _c("name", "NAME", required=True),
            _c("category", "PROJECTCATEGORY"),
            _c("parent", "PARENTID"),
            _c("customer", "CUSTOMERID"),
        ),
        "Projects → Projects, exported as CSV. The options of the custom field “Project”, the PROJECTID as "
        "code; inactive projects are skipped.",
        code_is_id=True,
        field_name="Project",
    ),
    # Intacct's LOCATION object: LOCATIONID, NAME, PARENTID, SUPERVISORID, STATUS (intacct-sdk-php,
    # src/Intacct/Functions/Company/LocationCreate.php). Entities are locations too, with the same
    # header (and a CURRENCY, which locations lack), so only a file named for locations
    # ("Locations.csv") is read as this list; the rest stay "Sage Intacct entities".
    Format(
        "Sage Intacct locations",
        FIELD_OPTIONS,
        (
            _c("id", "LOCATIONID", required=True),
            _c("name", "NAME", required=True),
            _c("parent", "PARENTID"),
        ),
        "Company → Locations, exported as CSV. The options of the custom field “Location”, the LOCATIONID as "
        "code; inactive locations are skipped.",
        code_is_id=True,
        field_name="Location",
        excluding=("currency",),
        file_words=("location",),
    ),
    # Business Central's Dimension Value table: Dimension Code, Code, Name, Dimension Value Type
    # ("Standard values can be posted to, while Heading, Total, Begin-Total, and End-Total are
    # used for reporting structure"), Totaling, Blocked (https://microsoft.github.io/BCApps/
    # reference/base-application/Table/Microsoft.Finance.Dimension.Dimension-Value.html). The
    # Dimension Code names the field; without it, the file's name or "Dimension".
    Format(
        "Business Central dimension values",
        FIELD_OPTIONS,
        (
            _c("field", "Dimension Code"),
            _c("id", "Code", required=True),
            _c("name", "Name", required=True),
            _c("posting", "Dimension Value Type"),
            _c("totaling", "Totaling"),
        ),
        "Dimensions → Dimension Values → Edit in Excel. The options of the custom field its Dimension Code "
        "names; headings, totals and blocked values are skipped.",
        posting_values=("Standard",),
        layout_reason="layout_value",
        code_is_id=True,
        identifying=("dimensionvaluetype", "dimensioncode"),
    ),
    # QuickBooks Desktop's Class list in an IIF file: section !CLASS, NAME (sub-classes as
    # "Parent:Child"), REFNUM and TIMESTAMP in exports (Intuit's IIF import kit, "Class list
    # (CLASS)": https://support.quickbooks.intuit.com/support/pages/executable/iif/iif_import_kit.zip).
    # assumption: exports also write HIDDEN (Y for an inactive entry), as QuickBooks writes it for
    # every list; the kit's pages found stop before it. Where it is absent nothing is skipped.
    Format(
        "QuickBooks Desktop IIF classes",
        FIELD_OPTIONS,
        (
            _c("section", "!CLASS", required=True),
            _c("name", "NAME", required=True),
            _c("refnum", "REFNUM"),
            _c("inactive", "HIDDEN"),
        ),
        "File → Utilities → Export → Lists to IIF Files → Class list. The options of the custom field "
        "“Class”; the list's REFNUM is the id (the name when the file has none), hidden classes are skipped.",
        id_fields=("refnum", "name"),
        field_name="Class",
    ),
)


def dimension_from_file_name(filename: str) -> str:
    """The dimension a file's name points to ("Department" for "DEPARTMENT values.xlsx"), or ""."""
    stem = filename.lower()
    return next((name for word, name in DIMENSION_WORDS if word in stem), "")
