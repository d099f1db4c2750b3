"""Getting samples in: the API's fast path, CSV uploads, and the tokens machines send with.

Why not DRF serializers and ``bulk_create``: on the 2-core reference machine they stored about
39,000 samples/s; parsing with orjson, validating with plain Python against two small lookups
(the organization's use cases and the metric catalog) and writing with binary ``COPY`` is
several times faster. Every check a serializer would make is still made, row by row, and every
row's error is reported.

* :mod:`.validation` parses a body and checks every sample (no I/O);
* :mod:`.storage` writes the checked rows (``COPY`` on PostgreSQL) and reports how many were new;
* :mod:`.rows` is the form rows travel in between the two, and on to roll-up marking;
* :mod:`.samples` is the write behind the API, CSV uploads and the demo (``samples_ingest``);
* :mod:`.uploads` checks, keeps and processes CSV uploads (``csv_upload_create``, ``..._process``);
* :mod:`.auth` is the API token format and the DRF authentication that accepts tokens; on
  PostgreSQL it reads the token, its use cases and the tenant scope (the organization's use
  cases and metrics) in one statement, fresh on every request.

A request's fixed cost on PostgreSQL is five round trips besides the transaction's own: the
token and scope, the COPY, the roll-up marks (one upsert), the audit chain head (locked) and
the audit record with the head moved (one statement). A batch whose keys are stored already
(a retry, a correction) is rolled back whole and sent the comparing way instead of paying for a
savepoint on every batch.

The service functions are exported by :mod:`metrics.services` with the app's other writes.
"""
