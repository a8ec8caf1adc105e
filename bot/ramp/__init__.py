"""Ramp's Developer API, as the bot uses it: `RampClient`, its errors and our types for Ramp objects.

Services import from here (`from bot.ramp import RampClient, NotFound, GLAccount`), not from the
modules inside, which are free to move.
"""

from bot.ramp.auth import DEFAULT_SCOPES, OPTIONAL_SCOPES
from bot.ramp.client import MAX_BATCH, MAX_SYNC_ITEMS, RampClient
from bot.ramp.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RampError,
    RampUnavailable,
    RateLimited,
    Unauthorized,
)
from bot.ramp.models import (
    Connection,
    CustomField,
    Entity,
    FieldOption,
    GLAccount,
    LineItem,
    Selection,
    Subsidiary,
    Transaction,
    Vendor,
)
from bot.ramp.objects import SyncObject
from bot.ramp.ratelimit import FileWindowHistory, SlidingWindowLimiter, WindowHistory
from bot.ramp.retry import Retry
from bot.ramp.session import PAGE_SIZE

__all__ = [
    "DEFAULT_SCOPES",
    "OPTIONAL_SCOPES",
    "MAX_BATCH",
    "MAX_SYNC_ITEMS",
    "PAGE_SIZE",
    "Conflict",
    "Connection",
    "CustomField",
    "Entity",
    "FieldOption",
    "FileWindowHistory",
    "Forbidden",
    "GLAccount",
    "InvalidInput",
    "LineItem",
    "NotFound",
    "RampClient",
    "RampError",
    "RampUnavailable",
    "RateLimited",
    "Retry",
    "Selection",
    "SlidingWindowLimiter",
    "Subsidiary",
    "SyncObject",
    "Transaction",
    "Unauthorized",
    "Vendor",
    "WindowHistory",
]
