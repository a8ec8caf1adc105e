"""Injected latency and failures, to test clients against a Ramp that misbehaves.

`POST /_sandbox/faults` sets a `FaultConfig`. For each API request the injector decides, before the
request is applied, whether it fails and how:

- "429": a rate-limit answer; never applied.
- "500": an error answer.
- "timeout": the connection is held `timeout_hold_s` seconds, then closed without an answer.
- "reset": the socket is closed abruptly (TCP RST).
- "slow": a write (POST, PATCH, DELETE) is held `slow_s` seconds (default 60) before it is applied
  and answered, as Ramp may take up to 60 s on a large batch (reference §12: Ramp's own client
  waits 75 s). A client must wait for it, not give up and send the write again. GETs are never slow.
  Not among the default kinds; ask for it: `{"error_rate": 0.2, "kinds": ["slow"], "slow_s": 3}`.

A share (`after_apply_rate`) of the "500", "timeout" and "reset" faults happen *after* the request
was applied: the write is done but the answer is lost, as when a real network drops a response.
Clients must then re-read state instead of assuming the write did not happen.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.ramp.errors import invalid

FAULT_KINDS = ("429", "500", "timeout", "reset", "slow")
DEFAULT_KINDS = ("429", "500", "timeout", "reset")


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    kinds: list[str] = field(default_factory=lambda: list(DEFAULT_KINDS))
    seed: int | None = None
    after_apply_rate: float = 0.5
    timeout_hold_s: float = 2.0
    slow_s: float = 60.0

    @classmethod
    def from_json(cls, body: Any) -> FaultConfig:
        if not isinstance(body, dict):
            raise invalid("The faults body must be a JSON object.")
        unknown = sorted(set(body) - set(cls.__dataclass_fields__))
        if unknown:
            raise invalid(f"Unknown fault settings: {', '.join(unknown)}.")
        config = cls(**body)
        kinds = [str(kind) for kind in config.kinds]
        bad = [kind for kind in kinds if kind not in FAULT_KINDS]
        if bad or not kinds:
            raise invalid(f"kinds must be a non-empty subset of {list(FAULT_KINDS)}; got {config.kinds}.")
        for name in ("error_rate", "after_apply_rate"):
            value = getattr(config, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise invalid(f"{name} must be a number between 0 and 1.")
        for name in ("latency_ms", "timeout_hold_s", "slow_s"):
            value = getattr(config, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise invalid(f"{name} must be a number >= 0.")
        config.kinds = kinds
        return config

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Fault:
    kind: str
    after_apply: bool


class FaultInjector:
    """Decides the fault for each request from a seeded generator. The caller holds the lock."""

    def __init__(self) -> None:
        self.config = FaultConfig()
        self._rng = random.Random()
        self.injected: dict[str, int] = {}

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)

    def decide(self, write: bool = True) -> Fault | None:
        config = self.config
        if config.error_rate <= 0 or self._rng.random() >= config.error_rate:
            return None
        kind = self._rng.choice(config.kinds)
        if kind == "slow" and not write:
            return None
        after = kind not in ("429", "slow") and self._rng.random() < config.after_apply_rate
        label = f"{kind}{'-after-apply' if after else ''}"
        self.injected[label] = self.injected.get(label, 0) + 1
        return Fault(kind, after)
