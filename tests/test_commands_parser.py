"""The /ramp parser and registry."""

from bot.commands import COMMANDS, ParsedCommand, UnknownCommand, parse_command


def test_empty_text_is_help():
    assert parse_command("   ") == ParsedCommand("help", raw="   ")


def test_quoted_erp_names_and_flags():
    parsed = parse_command('connect "Sage Intacct" --reactivate')
    assert isinstance(parsed, ParsedCommand)
    assert (parsed.name, parsed.args, parsed.flags) == (
        "connect",
        ("Sage Intacct",),
        frozenset({"reactivate"}),
    )


def test_typographic_quotes_from_phones_and_unbalanced_quotes():
    parsed = parse_command("connect \u201cSage Intacct\u201d")
    assert isinstance(parsed, ParsedCommand) and parsed.args == ("Sage Intacct",)
    assert isinstance(parse_command('connect "Sage'), ParsedCommand)


def test_key_value_options():
    parsed = parse_command("status since:2026-01-01 merchant:Delta")
    assert isinstance(parsed, ParsedCommand)
    assert parsed.options == {"since": "2026-01-01", "merchant": "Delta"}


def test_a_typo_gets_the_nearest_command():
    assert parse_command("stauts") == UnknownCommand("stauts", "status")
    assert parse_command("conect NetSuite") == UnknownCommand("conect", "connect")
    assert parse_command("xyzzy") == UnknownCommand("xyzzy", None)


def test_every_command_has_a_usage_and_an_example_that_parses_to_itself():
    for command in COMMANDS:
        parsed = parse_command(command.example.removeprefix("/ramp "))
        assert isinstance(parsed, ParsedCommand) and parsed.name == command.name
