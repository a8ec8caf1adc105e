"""manifest.yml: valid for Slack, and in step with the command registry and the listeners."""

import json
from pathlib import Path

import jsonschema
import yaml

from handlers.commands import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.json"


def load_manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_validates_against_slacks_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(load_manifest(), schema)


def test_manifest_runs_in_socket_mode_with_interactivity_and_the_home_tab():
    manifest = load_manifest()
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False
    assert {"message.channels", "message.groups", "message.im"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )


def test_manifest_asks_for_exactly_the_scopes_the_features_use():
    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "files:read",
        "files:write",
        "users:read",
        "usergroups:read",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
        "im:history",
        "im:write",
    }


def test_usage_hint_names_every_registered_command():
    hint = load_manifest()["features"]["slash_commands"][0]["usage_hint"]
    for command in COMMANDS:
        assert command.name in hint
