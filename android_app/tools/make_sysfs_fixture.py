#!/usr/bin/env python3
"""Extract a phone's real CPU sysfs text from one of pytorch/cpuinfo's device captures.

pytorch/cpuinfo's `test/mock/<device>.h` files hold the /proc and /sys files its authors read
off real Android phones (C string literals, one per file). This keeps the per-core cpufreq and
topology files, unescaped, as `path<TAB>content` lines: what core's CpuClusters and
runtime_bench's cluster discovery read on a phone. The JVM and pytest tests read the result.

    git clone https://github.com/pytorch/cpuinfo
    python android_app/tools/make_sysfs_fixture.py cpuinfo/test/mock/galaxy-s9-us.h \\
        --source "pytorch/cpuinfo@<commit>:test/mock/galaxy-s9-us.h" \\
        --out tests/fixtures/android/sysfs_galaxy_s9_us.txt
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

ENTRY = re.compile(r'\.path = "([^"]+)",\s*\.size = \d+,\s*\.content =((?:\s*"(?:[^"\\]|\\.)*")+)')
KEEP = re.compile(
    r"/sys/devices/system/cpu/(possible|present|cpu\d+/(cpufreq/(cpuinfo_max_freq|"
    r"scaling_cur_freq|scaling_max_freq|related_cpus)|topology/(physical_package_id|core_id|"
    r"core_siblings_list)))$"
)


def extract(header: str) -> dict[str, str]:
    """path -> file content of the kept files (the ARM64 and ARM blocks share the /sys files)."""
    files = {}
    for match in ENTRY.finditer(header):
        path = match.group(1)
        if KEEP.match(path):
            pieces = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(2))
            files[path] = "".join(ast.literal_eval(f'"{p}"') for p in pieces)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mock", type=Path, help="a pytorch/cpuinfo test/mock/<device>.h")
    parser.add_argument("--source", required=True, help="repo@commit:path, for the header")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    files = extract(args.mock.read_text(encoding="utf-8"))
    if not files:
        raise SystemExit(f"error: no CPU sysfs files in {args.mock}; pick a device capture")
    lines = [
        "# Real sysfs text captured from an Android phone (arm64) by pytorch/cpuinfo's authors,",
        f"# extracted from {args.source}",
        "# by android_app/tools/make_sysfs_fixture.py. Format: path<TAB>content (one line each).",
    ]
    for path in sorted(files, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p)]):
        content = files[path]
        if "\t" in content or content.rstrip("\n").count("\n"):
            raise SystemExit(f"error: {path} is not a one-line file")
        lines.append(f"{path}\t{content.rstrip(chr(10))}")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
