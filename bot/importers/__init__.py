"""Files → validated accounting category records: CSV and XLSX readers, ERP export formats,
classification mapping. Pure code: no Slack, no HTTP, no database.

    parsed = parse_category_file(data, "Chart of accounts.csv")
    parsed.format_name, parsed.kind, parsed.records, parsed.errors
    parsed.skipped, parsed.skip_counts, parsed.warnings, parsed.encoding
    parse_category_file(data, "Vendors.csv", kind="vendors", encoding="cp1250")   # the user's choices
"""

from bot.category_kinds import FIELD_OPTIONS, GL_ACCOUNTS, SUBSIDIARIES, VENDORS
from bot.importers.charsets import ENCODINGS, EncodingGuess
from bot.importers.formats import FormatDescription, describe_formats
from bot.importers.parse import detect_kind, parse_category_file
from bot.importers.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, RowStream, read_rows
from bot.importers.records import (
    SKIP_REASONS,
    SYNC_RESULTS,
    CategoryRecord,
    ImportFileError,
    ParsedFile,
    RowError,
    SkippedRow,
    SkipReason,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "ENCODINGS",
    "FIELD_OPTIONS",
    "GL_ACCOUNTS",
    "SKIP_REASONS",
    "SUBSIDIARIES",
    "SYNC_RESULTS",
    "VENDORS",
    "CategoryRecord",
    "EncodingGuess",
    "FormatDescription",
    "ImportFileError",
    "ParsedFile",
    "RowError",
    "RowStream",
    "SkipReason",
    "SkippedRow",
    "describe_formats",
    "detect_kind",
    "parse_category_file",
    "read_rows",
]
