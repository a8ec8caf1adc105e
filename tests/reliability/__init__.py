"""The reliability and security suite: faults, crashes, duplicates, bad input, attacks.

Every test here is marked `reliability`: `pytest -m reliability` runs them alone. `RAMP_BOT_LONG=1`
switches on the long form (more crash iterations, thousands of hypothesis examples).
"""
