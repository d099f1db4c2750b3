"""Governance pages under /o/<org>/governance/: the reviewer queue, a use case's checklists,
items with evidence and sign-off, templates and coverage, the registry, policies, incidents."""
