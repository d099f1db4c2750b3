"""Discussion: comments on a use case or on one of its records (a workstream item, a governance
checklist item, an incident ...), with the members they mention."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from readiness.models.organizations import Organization
from readiness.models.use_cases import UseCase
from readiness.models.versioning import Versioned

MAX_COMMENT = 4000  # characters: a comment is a message, not a document


class Comment(Versioned):
    """One message in the thread of a target: a use case, or a record that belongs to one.

    The target is a generic relation (content type and id) because the records people discuss
    live on several floors (readiness's items, governance's checklist items and incidents) and
    readiness may not import the apps above it; which models may be targets, and how each is
    looked up within the caller's organizations, is :mod:`readiness.discussion`'s registry.
    ``organization`` and ``use_case`` are stored, not derived, so every query is scoped by a
    plain column. A deleted comment keeps its row (the thread stays readable, the audit trail
    holds what it said) with its body emptied.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="comments")
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    # What the target was called when the comment was written (titles for notifications,
    # search hits and the audit trail without a query per target type).
    target_label = models.CharField(max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=MAX_COMMENT, blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"]),
            models.Index(fields=["organization", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.target_label}"

    def get_absolute_url(self) -> str:
        """Its permalink: redirects to the page that shows its thread, at the comment."""
        return reverse("comment_show", kwargs={"org": self.organization.slug, "pk": self.pk})

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"
