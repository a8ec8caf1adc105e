"""Files → validated accounting category records: CSV and XLSX readers, ERP export formats,
classification mapping. Pure code: no Slack, no HTTP, no database.

    parsed = parse_category_file(data, "Chart of accounts.csv")
    parsed.format_name, parsed.kind, parsed.records, parsed.errors
"""

from bot.importers.formats import FormatDescription, describe_formats
from bot.importers.parse import detect_kind, parse_category_file
from bot.importers.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, RowStream, read_rows
from bot.importers.records import (
    CATEGORY_KINDS,
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    SUBSIDIARIES,
    SYNC_RESULTS,
    VENDORS,
    CategoryRecord,
    ImportFileError,
    ParsedFile,
    RowError,
)

__all__ = [
    "CATEGORY_KINDS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "FIELD_OPTIONS",
    "GL_ACCOUNTS",
    "SUBSIDIARIES",
    "SYNC_RESULTS",
    "VENDORS",
    "CategoryRecord",
    "FormatDescription",
    "ImportFileError",
    "ParsedFile",
    "RowError",
    "RowStream",
    "describe_formats",
    "detect_kind",
    "parse_category_file",
    "read_rows",
]
