"""Webhooks pages under /o/<org>/webhooks/, for org admins: the endpoints (:mod:`.endpoints`)
and the delivery log (:mod:`.deliveries`)."""
