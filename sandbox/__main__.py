"""`python -m sandbox ramp|slack ...`: run a stand-in for Ramp's or Slack's API."""

from __future__ import annotations

import sys

USAGE = "usage: python -m sandbox {ramp,slack} [options]   (-h after the name for its options)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name == "ramp":
        from sandbox.ramp.cli import main as ramp_main

        return ramp_main(rest)
    if name == "slack":
        from sandbox.slack.cli import main as slack_main  # written by the Slack stand-in's owner

        result = slack_main(rest)
        return result if isinstance(result, int) else 0
    print(f"unknown sandbox {name!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
