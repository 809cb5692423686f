"""Pure functions over measured records: statistics, round-by-round ratios, the study's models.

`stats` (percentiles, minibench's trimmed mean), `ratios` (paired per-round ratios stored in
results.json) and `study` (model order, baseline, compared pairs). Shared by the measurement,
the phone driver and the report, so it imports only export/ and runtime_bench.artifacts.
"""
