"""`/ramp categories [kind]` end to end: counts, the first rows of one kind, the full list as a file."""

from __future__ import annotations

from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import CHANNEL, USER, connect, texts, wait_for_text


def seed_vendors(bot: RunningBot, count: int) -> None:
    bot.ramp.create_vendors([{"id": f"V{n:04d}", "name": f"Vendor {n}"} for n in range(count)])


def test_without_a_kind_it_counts_each_kind_custom_field_options_too(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    seed_vendors(bot, 3)
    slack.slash_command("/ramp", "categories", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "*Vendors*\n3")
    assert "*GL accounts*\n0" in shown and "*Custom field options*\n0" in shown
    sent = [m.text for m in slack.messages() if (m.text or "").startswith("Categories in Ramp")]
    assert "0 GL accounts, 3 vendors, 0 custom fields, 0 custom field options" in sent[0]


def test_a_count_of_one_reads_in_the_singular(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    seed_vendors(bot, 1)
    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "*1 vendor* in Ramp")
    assert "1 vendors" not in shown


def test_a_kind_shows_its_first_rows_and_posts_the_whole_list_as_a_file(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    seed_vendors(bot, 25)
    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "*25 vendors* in Ramp")
    assert "the first 10" in shown and "Vendor 10" not in shown
    table = shown.split("```")[1].splitlines()
    assert [line.split()[:2] for line in table[2:]] == [["Vendor", str(n)] for n in range(10)]
    assert table[0].split() == ["Code", "Name", "Active"] and set(table[1]) == {"-", " "}
    assert len({len(line) for line in table[2:]}) == 1  # fixed-width columns
    assert all(line.endswith("yes") for line in table[2:])
    assert not any(word in shown for word in ("None", "True", "False", "ramp_id"))
    assert not any(v.ramp_id in shown for v in bot.ramp.iter_vendors())
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
