"""What a file someone shared is: category records of a known kind, sync results, or neither; and
the formats the bot reads, for `/ramp upload`. The handlers' one door to the importers."""

from __future__ import annotations

from bot.importers import SYNC_RESULTS, FormatDescription, describe_formats, detect_kind

__all__ = ["SYNC_RESULTS", "FormatDescription", "formats", "kind_of"]


def kind_of(content: bytes, name: str) -> str | None:
    """The kind its header row says (`gl_accounts` … or `sync_results`), None when no format fits;
    `ImportFileError` (a UserError) when it is no spreadsheet at all."""
    return detect_kind(content, name)


def formats(kind: str | None = None) -> list[FormatDescription]:
    """The category formats recognised, of one kind or of all."""
    return [f for f in describe_formats() if kind is None or f.kind == kind]
