"""The phone benchmark over adb (`--adb`): one device at a time, through the `adb` executable.

`driver` runs it per device; `steps` pushes, starts and pulls; `device_state` reads clusters,
pins cores and waits for a cool phone; `adb_client` is the only place that builds adb command
lines. It may import export/, the top-level plumbing and runtime_bench.report (the report is
rewritten after every pull); nothing imports it except runtime_bench.cli.
"""
