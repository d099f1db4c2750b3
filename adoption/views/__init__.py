"""Adoption pages under /o/<org>/adoption/: a use case's adoption tab (:mod:`.overview`),
cohorts and training (:mod:`.cohorts`), usage boundaries (:mod:`.boundaries`), the iteration log
(:mod:`.iterations`) and each member's weekly feedback (:mod:`.feedback`)."""
