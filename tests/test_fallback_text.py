"""The plain-text `text` of every message the bot sends, through the front door: names from outside
(an ERP's, a shared file's) and the bot's own error messages reach Slack escaped for mrkdwn.

Slack shows `text` in notifications and parses it like mrkdwn (reference/slack.md section 10), so a
file named `<!here>.csv` must not ping the channel. The templates' side of this is
`tests/test_render.py`; these cover the texts handlers write themselves.
"""

from __future__ import annotations

import re

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import ADMIN, CHANNEL, USER, connect, message_with, preview_of, wait_for_text

HOSTILE = "<!channel> <@U1> <https://evil.example|click>"
ESCAPED = "&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil.example|click&gt;"
ACCOUNTS = b"id,name\nV-1,Acme Supplies\nV-2,Globex\n"
# The bot's own mentions: of the people in these tests and of the channel they run in.
OWN_MARKUP = re.compile(rf"<@(?:{ADMIN}|{USER})>|<#{CHANNEL}>")
LIVE_MARKUP = ("<!", "<@", "<#", "<http")


def sent_texts(slack: SlackStandIn) -> list[str]:
    """The `text` of every message the bot posted, updated or answered with, in the order sent."""
    sent = [call.args.get("text") for call in slack.calls() if call.method.startswith("chat.")]
    sent += [message.text for message in slack.messages() if message.source != "user"]
    return [text for text in sent if isinstance(text, str)]


def live_markup(slack: SlackStandIn) -> list[str]:
    """The texts in which Slack would find a ping, a mention or a link the bot did not write."""
    return [t for t in sent_texts(slack) if any(m in OWN_MARKUP.sub("", t) for m in LIVE_MARKUP)]


def test_an_erp_named_like_a_mention_pings_no_one_from_connect_to_disconnect(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    slack.slash_command("/ramp", f"connect {HOSTILE}", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "connected Ramp to")
    bot.ramp.create_vendors([{"id": "V1", "name": "Delta Air Lines"}])
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    slack.click("connection_disconnect", message=message_with(slack, "connection_disconnect"), user=ADMIN)
    wait_for_text(slack, "disconnected Ramp from")
    assert live_markup(slack) == []
    assert f"Backing up the categories of {ESCAPED} before disconnecting…" in sent_texts(slack)


def test_a_file_named_like_a_mention_pings_no_one_when_it_cannot_be_read_as_asked(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    preview = preview_of(slack, ACCOUNTS, f"{HOSTILE}.csv")
    slack.click("upload_format", message=preview, user=USER, value="Xero chart of accounts")
    wait_for_text(slack, "cannot be read that way")
    assert live_markup(slack) == []
    assert any(t.startswith(f"*{ESCAPED}.csv* cannot be read that way") for t in sent_texts(slack))


def test_a_vendor_named_like_a_mention_pings_no_one_in_the_categories_table(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bot.ramp.create_vendors([{"id": "V1", "name": HOSTILE}])
    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "*1 vendor* in Ramp")
    assert live_markup(slack) == []
    assert "&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil.…" in shown.split("```")[1]  # cut to fit
