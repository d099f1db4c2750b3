"""The background-jobs page of an organization (``/o/<org>/jobs/``, org admins): what the
workers owe it (roll-ups pending and failed, CSV uploads, webhook deliveries), when its
reminders and digest last went out, and a re-run for what is stuck or failed.

Each wing provides its reads and re-runs (metrics: roll-ups and uploads; webhooks: deliveries);
this package only puts them on one page, which is why it lives in ``ops``, the side app at the
top that may import them.
"""
