"""The /ramp parser and registry."""

from handlers.command_text import ParsedCommand, UnknownCommand
from handlers.commands import COMMANDS, parse


def test_empty_text_is_help():
    assert parse("   ") == ParsedCommand("help", raw="   ")


def test_quoted_erp_names_and_flags():
    parsed = parse('connect "Sage Intacct" --reactivate')
    assert isinstance(parsed, ParsedCommand)
    assert (parsed.name, parsed.args, parsed.flags) == (
        "connect",
        ("Sage Intacct",),
        frozenset({"reactivate"}),
    )


def test_typographic_quotes_from_phones_and_unbalanced_quotes():
    parsed = parse("connect \u201cSage Intacct\u201d")
    assert isinstance(parsed, ParsedCommand) and parsed.args == ("Sage Intacct",)
    assert isinstance(parse('connect "Sage'), ParsedCommand)


def test_key_value_options():
    parsed = parse("status since:2026-01-01 merchant:Delta")
    assert isinstance(parsed, ParsedCommand)
    assert parsed.options == {"since": "2026-01-01", "merchant": "Delta"}


def test_a_typo_gets_the_nearest_command():
    assert parse("stauts") == UnknownCommand("stauts", "status")
    assert parse("conect NetSuite") == UnknownCommand("conect", "connect")
    assert parse("xyzzy") == UnknownCommand("xyzzy", None)


def test_every_command_has_a_usage_and_an_example_that_parses_to_itself():
    for command in COMMANDS:
        parsed = parse(command.example.removeprefix("/ramp "))
        assert isinstance(parsed, ParsedCommand) and parsed.name == command.name
