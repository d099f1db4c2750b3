"""``make bench``: ingestion, roll-up and page timings on a throwaway PostgreSQL database.

Entry point: ``python -m bench.run`` (see the "Benchmark" section of the README). The modules:

* :mod:`bench.report`: percentiles, timers and the result table (pure, no Django).
* :mod:`bench.database`: drops, creates and migrates the benchmark database.
* :mod:`bench.server`: gunicorn on a free port against that database.
* :mod:`bench.ingest`, :mod:`bench.rollup`, :mod:`bench.pages`: the three measurements.
"""
