"""`python -m sandbox ramp`: serve the Ramp sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from sandbox.ramp import RampSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox ramp", description="A local stand-in for Ramp's API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--client-id", help="accept only this client id (default: any)")
    parser.add_argument("--client-secret", help="accept only this client secret (default: any)")
    parser.add_argument(
        "--seed-transactions", type=int, default=0, metavar="N", help="generate N transactions"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the generated transactions")
    parser.add_argument("--rate-limit", type=int, default=200, help="requests per window (Ramp: 200)")
    parser.add_argument("--rate-window", type=float, default=10.0, help="window in seconds (Ramp: 10)")
    parser.add_argument(
        "--subsidiaries",
        action="store_true",
        help="serve the May 2023 /accounting/subsidiaries endpoints (default: 404, like Ramp today)",
    )
    args = parser.parse_args(argv)
    if (args.client_id is None) != (args.client_secret is None):
        parser.error("--client-id and --client-secret go together")
    sandbox = RampSandbox(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        rate_limit=args.rate_limit,
        rate_window_s=args.rate_window,
        subsidiaries=args.subsidiaries,
        seed_transactions=args.seed_transactions,
        seed=args.seed,
    ).start()
    print(f"Ramp sandbox on {sandbox.url}  (API under /developer/v1, test API under /_sandbox/)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0
