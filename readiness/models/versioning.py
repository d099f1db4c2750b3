"""Row versions: the optimistic lock behind the API's ETags and the edit forms' hidden field."""

from __future__ import annotations

from typing import Any

from django.db import models


class Versioned(models.Model):
    """A row whose ``version`` goes up by one on every save of an existing row.

    The increment is done by the database (``version = version + 1``), so a save from an
    instance read before another writer's change still counts that change; the instance reads
    its new version back. A service that takes an ``expected_version`` compares it with the
    version read after its row lock (:func:`readiness.versioning.check_version`): a writer that
    saw an older version is refused, nothing is saved (issue 10: no lost updates).
    ``QuerySet.update()`` bypasses this; the few bulk moves that change a versioned row's
    visible fields add ``version=F("version") + 1`` themselves.
    """

    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up by one with every change; the API's ETag and the forms' guard.",
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding or self.pk is None:
            super().save(*args, **kwargs)
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            if not update_fields:  # Django saves nothing then; neither does the version move
                return
            kwargs["update_fields"] = [*{*update_fields, "version"}]
        self.version = models.F("version") + 1
        super().save(*args, **kwargs)
        self.refresh_from_db(fields=["version"])
