"""A damaged SQLite file: every subcommand that opens it says so in one line and exits 2, and
`doctor` finds damage that still lets the file open (PRAGMA quick_check).

Through the real process (`python -m bot ...`), with an environment like tests/bot_process.py builds,
on real SQLite files in `tmp_path`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Store
from tests.driver import ADMIN, BOT_TOKEN, ROOT, SIGNING_SECRET, free_port

PAGE = 4096  # SQLite's default page size

# Each subcommand that opens the database. `socket` fails on the database before it dials Slack;
# `run` is in HTTP mode here (a bot token and signing secret are set), so it does not start the
# local stand-ins on their fixed ports.
SUBCOMMANDS = [
    pytest.param(["serve", "--host", "127.0.0.1"], id="serve"),
    pytest.param(["run"], id="run"),
    pytest.param(["socket"], id="socket"),
    pytest.param(["summary"], id="summary"),
    pytest.param(["doctor"], id="doctor"),
]


def bot_env(db_path: Path, port: int) -> dict[str, str]:
    """Nothing reachable on purpose: the database must stop each command before any network call."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAMP_"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "RAMP_API_URL": "http://127.0.0.1:9",
        "RAMP_CLIENT_ID": "test-client",
        "RAMP_CLIENT_SECRET": "test-client-secret",
        "RAMP_BOT_DB": str(db_path),
        "RAMP_BOT_ADMINS": ADMIN,
        "PORT": str(port),
    }


def run_bot(db_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    port = free_port()
    argv = [*command, "--port", str(port)] if command[0] == "serve" else list(command)
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=db_path.parent,
        env=bot_env(db_path, port),
        capture_output=True,
        text=True,
        timeout=60,  # a bot that starts serving regardless would otherwise hang the test
    )


def bot_database(path: Path, filler_rows: int = 0) -> Path:
    """A database as the bot leaves it (all migrations), checkpointed so the main file holds it all;
    `filler_rows` adds a table big enough to have pages away from the schema."""
    Store(path).close()
    with sqlite3.connect(path) as db:
        if filler_rows:
            db.execute("CREATE TABLE filler (text TEXT)")
            db.executemany("INSERT INTO filler VALUES (?)", [("x" * 200,)] * filler_rows)
    db.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def overwrite(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(data)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_garbage_over_the_header_is_one_line_naming_ramp_bot_db_and_exit_2(tmp_path: Path, command):
    db_path = bot_database(tmp_path / "bot.sqlite3")
    overwrite(db_path, 0, bytes(range(256)) * (PAGE // 256))  # the first 4 KB: header and schema

    result = run_bot(db_path, *command)

    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    (line,) = [line for line in output.splitlines() if "RAMP_BOT_DB" in line]
    assert str(db_path) in line
    assert "backup" in line and "move" in line


def test_doctor_finds_damage_the_file_opens_with_and_says_what_it_is(tmp_path: Path):
    db_path = bot_database(tmp_path / "bot.sqlite3", filler_rows=2000)
    last_page = db_path.stat().st_size // PAGE
    # Bytes 1-2 of a b-tree page point at its first free block: a wild pointer is damage that
    # SQLite only notices when it walks the page (sqlite.org/fileformat2.html, "B-tree Pages").
    overwrite(db_path, (last_page - 1) * PAGE + 1, b"\xff\xff")

    result = run_bot(db_path, "doctor")

    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    (line,) = [line for line in output.splitlines() if "Database" in line]
    assert line.startswith("FAIL")
    assert f"Page {last_page}" in line  # what SQLite's quick_check said is wrong
    assert "RAMP_BOT_DB" in line and "backup" in line


def test_doctor_says_a_sound_database_passes_its_integrity_check(tmp_path: Path):
    db_path = bot_database(tmp_path / "bot.sqlite3")

    result = run_bot(db_path, "doctor")

    (line,) = [line for line in result.stdout.splitlines() if "Database" in line]
    assert line.startswith("ok") and "integrity ok" in line, result.stdout + result.stderr
