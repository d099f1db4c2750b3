"""Metrics models, split by subdomain: the catalog and roll-ups (``catalog``), and raw
ingestion (``ingestion``: samples, API tokens, dirty-period marks, CSV uploads)."""

from metrics.models.catalog import (
    DEFINITION_FIELDS,
    EDITABLE_DEFINITION_FIELDS,
    MAX_ABS_VALUE,
    TARGET_FIELDS,
    Direction,
    Level,
    MetricDefinition,
    MetricKind,
    MetricTarget,
    Period,
    Rollup,
)
from metrics.models.ingestion import (
    ApiToken,
    CsvUpload,
    DirtyPeriod,
    RollupFailure,
    Sample,
    UploadStatus,
)

__all__ = [
    "DEFINITION_FIELDS",
    "EDITABLE_DEFINITION_FIELDS",
    "MAX_ABS_VALUE",
    "TARGET_FIELDS",
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
    "RollupFailure",
    "Sample",
    "UploadStatus",
]
