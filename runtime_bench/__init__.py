"""runtime_bench: honest single-thread latency, memory and size of every exported artifact.

`python -m runtime_bench --help` for the host benchmark and the adb (phone) benchmark. The
top-level modules are the CLI (cli, options, option_checks) and the results plumbing (errors,
artifacts, results, store); the jobs live in analysis/, measure/, report/, phone/ and parity/
(README.md, "Code layout"; each subpackage's docstring says what it may import).
"""
