"""The executive API under ``/api/v1/``: the portfolio, the scale case and decision. A thin
layer over :mod:`portfolio.selectors` and the services, scoped like :mod:`readiness.api`
(another tenant's objects answer 404, read-only roles 403).

One module per resource: :mod:`.portfolio` and :mod:`.scale`; their shapes are in
:mod:`.serializers`.
"""

from portfolio.api.portfolio import PortfolioViewSet
from portfolio.api.scale import ScaleViewSet

__all__ = ["PortfolioViewSet", "ScaleViewSet"]
