"""Analyses several rules share, computed from a `RecordContext` and memoised on it.

`evidence`: benchmark scores resolved through the catalog, the task's benchmarks and the noise
verdicts of the decision's claims (SC006, SC2xx, SC4xx). `candidates`: each candidate's size
and memory fit (SC207).
"""
