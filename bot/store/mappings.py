"""Column mappings people saved for headers the bot did not know, one per header fingerprint
(bot/importers/mapping.py), so the next file with that header is read at once."""

from __future__ import annotations

from typing import Any

from bot.store.base import StoreBase, utc_now


class MappingBook(StoreBase):
    def save_mapping(self, row: dict[str, Any]) -> None:
        """Keep a mapping for its header (`fingerprint`), replacing an older one for the same header."""
        self.db.table("column_mappings").insert({"saved_at": utc_now(), **row}, replace=True)

    def mapping_row(self, fingerprint: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM column_mappings WHERE fingerprint = ?", [fingerprint]), None)
