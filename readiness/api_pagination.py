"""The API's one pagination: ``?limit=`` and ``?offset=`` with a maximum page size.

DRF's ``LimitOffsetPagination`` silently ignores a malformed ``limit`` and passes a huge
``offset`` on to the database, which refuses it (``bigint out of range``: a 500). Here a
value that is not a whole number in range answers 400 naming the parameter, and ``limit``
above :data:`MAX_LIMIT` answers 400 too (not clamped, so a client never mistakes a short page
for the end of the list). The schema states both bounds.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_LIMIT = 500
# PostgreSQL's OFFSET is a bigint; far below that, an offset past every row is an empty page.
MAX_OFFSET = 2**31 - 1


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int | None:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None or raw == "":
            return self.default_limit
        return _bounded(self.limit_query_param, raw, 1, MAX_LIMIT)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None or raw == "":
            return 0
        return _bounded(self.offset_query_param, raw, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_LIMIT)
                parameter["description"] = (
                    f"Number of results to return per page, 1 to {MAX_LIMIT} "
                    f"(default {self.default_limit}); anything else answers 400."
                )
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=MAX_OFFSET)
                parameter["description"] = (
                    f"The initial index from which to return the results, 0 to {MAX_OFFSET}; "
                    "anything else answers 400."
                )
        return parameters


def _bounded(name: str, raw: str, low: int, high: int) -> int:
    message = f"A whole number from {low} to {high}."
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise ValidationError({name: [message]})
    value = int(raw)
    if not low <= value <= high:
        raise ValidationError({name: [message]})
    return value
