"""Every write of the metrics app: one keyword-only function per action. Each checks who acts,
validates, changes the data and writes the audit record in one transaction."""

from metrics.services.catalog import (
    metric_definition_create,
    metric_definition_update,
    metric_target_set,
    metric_targets_update,
)
from metrics.services.ingestion import IngestResult, samples_ingest
from metrics.services.rollups import rollup_recompute
from metrics.services.tokens import api_token_create, api_token_revoke
from metrics.services.uploads import csv_upload_create, csv_upload_process

__all__ = [
    "IngestResult",
    "api_token_create",
    "api_token_revoke",
    "csv_upload_create",
    "csv_upload_process",
    "metric_definition_create",
    "metric_definition_update",
    "metric_target_set",
    "metric_targets_update",
    "rollup_recompute",
    "samples_ingest",
]
