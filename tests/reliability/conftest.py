"""The reliability suite (`-m reliability`). Its helpers (the long-form switch `sized`, the secret
scan, the readers of Slack and Ramp) are in tests/driver.py with everything else tests share."""
