"""Prometheus counters of ingestion, exposed by the operator's metrics endpoint (ops).

Counted after the batch commits, so a refused or rolled-back batch counts nothing. ``source``
is ``token`` (a production system through the API) or ``user`` (a CSV upload, the demo).
"""

from __future__ import annotations

from prometheus_client import Counter

SAMPLES_STORED = Counter(
    "readiness_samples_stored_total",
    "Metric samples stored (new rows; duplicates of stored samples not counted).",
    ["source"],
)
SAMPLE_BATCHES = Counter(
    "readiness_sample_batches_total",
    "Batches of metric samples accepted (API requests, upload chunks).",
    ["source"],
)
