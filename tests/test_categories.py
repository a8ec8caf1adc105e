"""`/ramp categories [kind]` end to end: counts, the first rows of one kind, the full list as a file."""

from __future__ import annotations

from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import CHANNEL, USER, connect, texts, wait_for_text


def seed_vendors(bot: RunningBot, count: int) -> None:
    bot.ramp.create_vendors([{"id": f"V{n:04d}", "name": f"Vendor {n}"} for n in range(count)])


def test_without_a_kind_it_counts_each_kind(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    seed_vendors(bot, 3)
    slack.slash_command("/ramp", "categories", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "*Vendors*\n3")
    assert "*GL accounts*\n0" in shown


def test_a_kind_shows_its_first_rows_and_posts_the_whole_list_as_a_file(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    seed_vendors(bot, 25)
    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "25 Vendors")
    assert "the first 10" in shown and "V0009 | Vendor 9" in shown and "V0010" not in shown
    posted = slack.wait_for(lambda: [m for m in slack.messages(CHANNEL) if m.files])
    content = slack.file_content(posted[0].files[0].id).decode("utf-8-sig")
    assert content.splitlines()[0] == "id,name,code,is_active,ramp_id"
    assert len(content.splitlines()) == 26 and "V0024,Vendor 24" in content


def test_an_empty_kind_says_how_to_fill_it_and_posts_no_file(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "categories accounts", user=USER, channel=CHANNEL)
    wait_for_text(slack, "`/ramp upload` explains")
    slack.wait_quiet()
    assert not [m for m in slack.messages(CHANNEL) if m.files]


def test_an_unknown_kind_names_the_ones_it_knows(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "categories planets", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "category kind `planets`")
    assert "`accounts`, `vendors`, `fields` or `options`" in shown


def test_without_a_connection_it_says_how_to_make_one(bot: RunningBot, slack: SlackStandIn):
    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    assert "/ramp connect &lt;ERP name&gt;" in wait_for_text(slack, "no active accounting connection")
    assert "Vendors" not in texts(slack)
