"""``make loadtest``: the app under gunicorn on a throwaway PostgreSQL database, with a real
Celery worker and beat on a Redis of its own, driven by locust for a bounded time (8 users
browsing with no think time, 2 clients ingesting 1,000-sample batches). See :mod:`.run`."""
