"""The three tables of the Slack face against everything that names their entries: the templates'
buttons and modals, manifest.yml's usage hint, the README's command table and `/ramp help`."""

import re
from pathlib import Path

import yaml

from handlers.commands import COMMANDS, help_message, parse, usage_hint
from handlers.interactions import ACTIONS, VIEWS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
MODALS = (  # their inputs send no actions
    "transaction_modal.json.j2",
    "object_modal.json.j2",
    "upload_field_modal.json.j2",
    "upload_mapping_modal.json.j2",
)
ELEMENT = re.compile(r'(?:button\([^,]+,|overflow\(|static_select\(|checkboxes\()\s*"([a-z_]+)"')


def element_ids() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.json.j2"):
        if path.name not in MODALS:
            found |= set(ELEMENT.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_button_and_menu_of_a_message_has_exactly_one_entry_in_the_action_table():
    assert element_ids() == set(ACTIONS)


def test_every_modal_has_an_entry_in_the_view_table_and_every_entry_a_modal():
    modals = "".join((TEMPLATES / name).read_text(encoding="utf-8") for name in MODALS)
    assert all(f'"{callback_id}"' in modals for callback_id in VIEWS)
    assert modals.count("b.modal(") == len(MODALS)


def test_writes_need_an_admin_in_every_table():
    assert {spec.name for spec in COMMANDS if spec.admin} == {"connect", "disconnect", "field", "audit"}
    assert [spec.admin_words for spec in COMMANDS if spec.admin_words] == [frozenset({"on", "off"})] * 2
    writes = {"transaction_row", "object_row", "sync_results_post"}
    writes |= {"connection_replace", "connection_disconnect"}
    writes |= {"connection_switch_back", "connection_reactivate", "connection_new"}
    writes |= {"connection_migrate", "migration_go", "field_required_set"}
    assert {a for a, spec in ACTIONS.items() if spec.admin} == writes | {"upload_start", "upload_fields"}
    assert all(spec.admin for spec in VIEWS.values())


def test_the_manifest_usage_hint_is_the_registrys():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert manifest["features"]["slash_commands"][0]["usage_hint"] == usage_hint()


def test_the_readme_command_table_has_a_row_for_every_command_with_its_usage():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `/ramp")]
    assert len(rows) == len(COMMANDS)
    for spec, row in zip(COMMANDS, rows, strict=True):
        assert row.startswith(f"| `{spec.usage.replace('|', chr(92) + '|')}`"), spec.name


def test_help_shows_every_usage_line_and_every_example_parses_to_its_command():
    shown = str(help_message())
    for spec in COMMANDS:
        assert spec.usage.replace("<", "&lt;").replace(">", "&gt;") in shown
        for example in spec.examples:
            parsed = parse(example.removeprefix("/ramp "))
            assert getattr(parsed, "name", None) == spec.name, example
