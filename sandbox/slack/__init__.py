"""A local Slack stand-in: the Web API the bot calls, and the Slack client that sends it signed requests.

See `standin.SlackStandIn` for the Python API and `cli` for `python -m sandbox slack ...`.
"""

from .standin import LOCAL_ADMIN, LOCAL_CHANNEL, LOCAL_TEAM, LOCAL_USER, SlackStandIn
from .state import BotResponse, Call, Message, StoredFile

__all__ = [
    "LOCAL_ADMIN",
    "LOCAL_CHANNEL",
    "LOCAL_TEAM",
    "LOCAL_USER",
    "BotResponse",
    "Call",
    "Message",
    "SlackStandIn",
    "StoredFile",
]
