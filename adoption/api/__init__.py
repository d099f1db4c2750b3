"""The adoption API under ``/api/v1/adoption/``: a thin DRF layer over the access layer, the
services and the selectors (see :mod:`readiness.api` for the conventions).

Reads start from the organizations the requesting user belongs to, so another tenant's objects
answer 404 like missing ones. Writes look the parent up through the access layer with the
manage predicate (404, then 403) before validating the body; the service does the rest, and
:mod:`readiness.api_errors` turns its errors into 400, 403 and 409 answers.

One module per subdomain: :mod:`.cohorts` (cohorts and training), :mod:`.boundaries`,
:mod:`.feedback`, :mod:`.iterations`; what they share is in :mod:`.common`.
"""

from adoption.api.boundaries import BoundaryFilter, BoundaryViewSet
from adoption.api.cohorts import CohortFilter, CohortViewSet, TrainingFilter, TrainingViewSet
from adoption.api.common import UseCaseFilter
from adoption.api.feedback import FeedbackViewSet
from adoption.api.iterations import IterationFilter, IterationViewSet

__all__ = [
    "BoundaryFilter",
    "BoundaryViewSet",
    "CohortFilter",
    "CohortViewSet",
    "FeedbackViewSet",
    "IterationFilter",
    "IterationViewSet",
    "TrainingFilter",
    "TrainingViewSet",
    "UseCaseFilter",
]
