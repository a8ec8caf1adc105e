"""Secrets the bot must keep, sealed before they reach SQLite (DESIGN: no secret in the database).

Ramp returns a webhook subscription's signing secret once, in its answer to the creation, and the
bot needs it for every delivery after, across restarts. It is stored sealed with Fernet
(cryptography's recipe: AES-128-CBC with an HMAC-SHA256 tag,
https://cryptography.io/en/latest/fernet/), under a key derived by HKDF-SHA256 from the Ramp client
secret, which lives only in the environment. A copy of the database (a backup, a support bundle)
then holds nothing that can sign a delivery.

    sealer = Sealer(settings.ramp_client_secret.reveal())
    stored = sealer.seal(secret)        # "sealed:v1:gAAAAA…"
    sealer.unseal(stored)               # the secret; None if sealed under another client secret

A value without the prefix was stored before sealing (stop 20): `unseal` returns it as it is and
`is_sealed` says so, so its owner can seal it in place.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"
PURPOSE = b"ramp-accounting-bot: stored webhook secrets"


class Sealer:
    def __init__(self, key_material: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
            key_material.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode("ascii")

    def unseal(self, stored: str) -> str | None:
        """The secret; None when it was sealed under another key (the Ramp client secret changed)."""
        if not is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
