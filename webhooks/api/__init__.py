"""Webhooks API under /api/v1/: endpoints CRUD (:mod:`.endpoints`) and the delivery log
(:mod:`.deliveries`), for org admins only.

Lists and reads hold only the organizations where the user is an org admin, so an endpoint of
another organization (or of one where the user has another role) answers 404. Writes look the
object up through :mod:`webhooks.access` (404 outside the user's organizations, 403 for a member
of another role) and go through :mod:`webhooks.services`, which checks the role again and audits.
"""

from webhooks.api.deliveries import DeliverySerializer, DeliveryViewSet
from webhooks.api.endpoints import EndpointSerializer, EndpointViewSet, EndpointWriteSerializer

__all__ = [
    "DeliverySerializer",
    "DeliveryViewSet",
    "EndpointSerializer",
    "EndpointViewSet",
    "EndpointWriteSerializer",
]
