"""runtime_bench: honest single-thread latency, memory and size of every exported artifact.

`python -m runtime_bench --help` for the host benchmark and the adb (phone) benchmark.
"""
