"""Every write of the metrics app: one keyword-only function per action. Each checks who acts,
validates, changes the data and writes the audit record in one transaction.

The catalog (:mod:`.catalog`) and API tokens (:mod:`.tokens`) live here; storing samples and
CSV uploads live with the rest of ingestion (:mod:`metrics.ingestion`), and the on-demand
recompute with the roll-ups (:mod:`metrics.rollups`). Callers import them all from here."""

from metrics.ingestion.samples import IngestResult, samples_ingest
from metrics.ingestion.uploads import csv_upload_create, csv_upload_process, csv_upload_requeue
from metrics.rollups.recompute import rollup_failure_retry, rollup_recompute
from metrics.services.catalog import (
    metric_definition_create,
    metric_definition_update,
    metric_target_set,
    metric_targets_update,
    metrics_settings_update,
)
from metrics.services.tokens import api_token_create, api_token_revoke

__all__ = [
    "IngestResult",
    "api_token_create",
    "api_token_revoke",
    "csv_upload_create",
    "csv_upload_process",
    "csv_upload_requeue",
    "metric_definition_create",
    "metric_definition_update",
    "metric_target_set",
    "metric_targets_update",
    "metrics_settings_update",
    "rollup_failure_retry",
    "rollup_recompute",
    "samples_ingest",
]
