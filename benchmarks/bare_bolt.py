"""The floor for the ack benchmark: a Bolt app whose listeners only ack, under the same server
(waitress, 16 threads) and with the same ack mode as the bot."""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-url", required=True)
    parser.add_argument("--signing-secret", required=True)
    args = parser.parse_args()
    app = App(
        client=WebClient(token="xoxb-bench", base_url=args.slack_url),
        signing_secret=args.signing_secret,
        token_verification_enabled=False,
        # The fastest a Bolt app acks: in the request's thread, as ours does (Bolt's default hands
        # the ack to a pool and polls it every 10 ms, which would flatter our ratio).
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=32),
    )
    app.command("/ramp")(lambda ack: ack())
    app.action("connection_keep")(lambda ack: ack())
    app.event("message")(lambda: None)
    waitress.serve(SlackRequestHandler(app), host="127.0.0.1", port=args.port, threads=16, _quiet=True)


if __name__ == "__main__":
    main()
