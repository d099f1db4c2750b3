"""Metrics pages under /o/<org>/metrics/: the catalog and targets (:mod:`.catalog`), API tokens
and CSV uploads (:mod:`.ingestion`), and the leadership scorecards (:mod:`.scorecards`)."""
