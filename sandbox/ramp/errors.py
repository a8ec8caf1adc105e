"""Ramp-shaped errors for the sandbox.

Every failure the sandbox answers goes through `ApiError` and `error_body`, so all of them carry the
body Ramp's error guide shows::

    {"error_v2": {"error_code": "DEVELOPER_7001", "message": "...", "additional_info": {...}, "notes": ""},
     "error": {...}}                       # legacy mirror of additional_info

assumption: Ramp publishes no table of error codes. The codes below are our own, chosen to look
like Ramp's (DEVELOPER_7001 for invalid input appears in Ramp's guide; 7002 for not found and 7100
for a missing scope were reported by third parties; 7000, 7003, 7005, 7009, 7429 are invented).
Clients must branch on the HTTP status, never on the code; the bot does.
"""

from __future__ import annotations

from typing import Any

ERROR_CODES: dict[int, str] = {
    400: "DEVELOPER_7001",
    401: "DEVELOPER_7003",
    403: "DEVELOPER_7100",
    404: "DEVELOPER_7002",
    405: "DEVELOPER_7005",
    409: "DEVELOPER_7009",
    422: "DEVELOPER_7001",
    429: "DEVELOPER_7429",
    500: "DEVELOPER_7000",
}


class ApiError(Exception):
    """An answer other than success: HTTP status, a message for people, details per field."""

    def __init__(
        self,
        status: int,
        message: str,
        additional_info: dict[str, Any] | None = None,
        *,
        error_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.additional_info = additional_info or {}
        self.error_code = error_code or ERROR_CODES.get(status, "DEVELOPER_7000")

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, self.additional_info, error_code=self.error_code)


def error_body(
    status: int,
    message: str,
    additional_info: dict[str, Any] | None = None,
    *,
    error_code: str | None = None,
) -> dict[str, Any]:
    info = additional_info or {}
    return {
        "error_v2": {
            "error_code": error_code or ERROR_CODES.get(status, "DEVELOPER_7000"),
            "message": message,
            "additional_info": info,
            "notes": "",
        },
        "error": info if info else {"message": [message]},
    }


def invalid(message: str, **fields: Any) -> ApiError:
    """A 400 naming the offending fields: `invalid("bad", page_size=["Must be ..."])`."""
    return ApiError(400, message, dict(fields))


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"{what} {ident!r} was not found.", {"id": [f"No {what} with this id."]})
