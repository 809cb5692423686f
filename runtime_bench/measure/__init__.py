"""The host benchmark itself: load artifacts on one thread, time them, probe memory and peaks.

`bench` drives the phases (latency over `latency`/`schedule`, real traffic over `traffic` and
`litert_interpreter`, memory probes, matmul peaks and FLOPs in `roofline`); `runners`,
`inputs`, `timing`, `host` and `progress` serve them. It may import export/, the top-level
plumbing (errors, artifacts, results, store) and runtime_bench.analysis; never report/ or
phone/ (the report reads what this package measured, not the other way round).
"""
