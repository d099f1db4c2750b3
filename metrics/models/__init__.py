"""Metrics models, split by subdomain: the catalog and roll-ups (``catalog``), and raw
ingestion (``ingestion``: samples, API tokens, dirty-period marks, CSV uploads)."""

from metrics.models.catalog import (
    Direction,
    Level,
    MetricDefinition,
    MetricKind,
    MetricTarget,
    Period,
    Rollup,
)
from metrics.models.ingestion import ApiToken, CsvUpload, DirtyPeriod, Sample, UploadStatus

__all__ = [
    "ApiToken",
    "CsvUpload",
    "Direction",
    "DirtyPeriod",
    "Level",
    "MetricDefinition",
    "MetricKind",
    "MetricTarget",
    "Period",
    "Rollup",
    "Sample",
    "UploadStatus",
]
