"""The metrics API under ``/api/v1/metrics/``, one module per resource: :mod:`.samples` (for
production systems, with an organization API token, and nothing else), :mod:`.rollups`,
:mod:`.definitions` and :mod:`.targets` (for people signed in, scoped like the rest of the API),
and :mod:`.figures` (roll-ups and scorecards, read by people and by API tokens alike).
"""

from metrics.api.definitions import MetricDefinitionViewSet
from metrics.api.figures import RollupListView, ScorecardView
from metrics.api.rollups import RollupRecomputeView
from metrics.api.samples import HasApiToken, SampleIngestView
from metrics.api.targets import MetricTargetViewSet

__all__ = [
    "HasApiToken",
    "MetricDefinitionViewSet",
    "MetricTargetViewSet",
    "RollupListView",
    "RollupRecomputeView",
    "SampleIngestView",
    "ScorecardView",
]
