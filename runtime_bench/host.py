"""Describe the machine a benchmark ran on, so numbers from different hosts stay comparable.

Everything comes from portable sources (/proc/cpuinfo, os, platform, importlib.metadata);
the cpuinfo parser understands both x86 ("model name", "flags") and aarch64 ("CPU part",
"Features") layouts, so the benchmark runs unchanged on ARM Linux.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
from pathlib import Path
from typing import Any

#: ISA features that matter for fp32/int8 inference speed, per architecture family:
#: report name -> cpuinfo flag names that imply it.
X86_FEATURES: dict[str, tuple[str, ...]] = {
    "sse4_2": ("sse4_2",),
    "avx": ("avx",),
    "fma": ("fma",),
    "f16c": ("f16c",),
    "avx2": ("avx2",),
    "avx512f": ("avx512f",),
    "avx512bw": ("avx512bw",),
    "avx512vl": ("avx512vl",),
    "avx512_vnni": ("avx512_vnni",),
    "avx_vnni": ("avx_vnni",),
    "avx512_bf16": ("avx512_bf16",),
    "amx_int8": ("amx_int8",),
    "amx_bf16": ("amx_bf16",),
}
ARM_FEATURES: dict[str, tuple[str, ...]] = {
    "neon": ("asimd", "neon"),
    "fp16": ("asimdhp", "fphp"),
    "dotprod": ("asimddp",),
    "i8mm": ("i8mm",),
    "bf16": ("bf16",),
    "sve": ("sve",),
    "sve2": ("sve2",),
    "sme": ("sme",),
}

#: A few ARM (implementer 0x41) part numbers, enough to name common phones and servers.
ARM_PARTS = {
    "0xd03": "Cortex-A53",
    "0xd04": "Cortex-A35",
    "0xd05": "Cortex-A55",
    "0xd07": "Cortex-A57",
    "0xd08": "Cortex-A72",
    "0xd09": "Cortex-A73",
    "0xd0a": "Cortex-A75",
    "0xd0b": "Cortex-A76",
    "0xd0c": "Neoverse-N1",
    "0xd0d": "Cortex-A77",
    "0xd40": "Neoverse-V1",
    "0xd41": "Cortex-A78",
    "0xd44": "Cortex-X1",
    "0xd46": "Cortex-A510",
    "0xd47": "Cortex-A710",
    "0xd48": "Cortex-X2",
    "0xd49": "Neoverse-N2",
    "0xd4f": "Neoverse-V2",
}

PACKAGES = ("torch", "executorch", "onnxruntime", "ai-edge-litert", "onnx", "transformers", "numpy")


def parse_cpuinfo(text: str, machine: str) -> dict[str, Any]:
    """CPU model name, ISA feature flags and virtualization from /proc/cpuinfo text."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    raw_flags = set((fields.get("flags") or fields.get("Features") or "").split())
    arm = machine.lower() in ("aarch64", "arm64") or machine.lower().startswith("arm")
    table = ARM_FEATURES if arm else X86_FEATURES
    features = {name: any(f in raw_flags for f in flags) for name, flags in table.items()}
    model = fields.get("model name") or fields.get("Model") or fields.get("Hardware") or ""
    if not model and arm:
        part = fields.get("CPU part", "").lower()
        implementer = fields.get("CPU implementer", "?")
        named = ARM_PARTS.get(part) if implementer.lower() == "0x41" else None
        model = named or f"ARM implementer {implementer} part {part or '?'}"
    return {
        "model": model or platform.processor() or machine,
        "features": features,
        "virtualized": "hypervisor" in raw_flags,
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _os_name() -> str:
    release = _read("/etc/os-release")
    match = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', release, re.MULTILINE)
    return match.group(1) if match else platform.platform()


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages whose kernels decide the numbers."""
    from export.manifest import package_versions as versions_of

    return versions_of(names)


def host_tag(cpu_model: str, machine: str, cores: int) -> str:
    """Directory-safe short name for a host, e.g. `amd-epyc-x86_64-2cpu`."""
    slug = re.sub(r"[^a-z0-9]+", "-", cpu_model.lower()).strip("-")
    slug = re.sub(r"-(processor|cpu|with-radeon-graphics)$", "", slug)[:40].strip("-")
    return f"{slug or 'cpu'}-{machine.lower()}-{cores}cpu"


def describe_host(probe_torch: bool = True) -> dict[str, Any]:
    """Everything needed to judge and reproduce a host benchmark result.

    `probe_torch=False` skips importing torch (seconds) when only the driving host of a phone
    run is described.
    """
    machine = platform.machine()
    cpu = parse_cpuinfo(_read("/proc/cpuinfo"), machine)
    cores = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = cores
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
        mem_total = int(psutil.virtual_memory().total)
    except ImportError:  # psutil is a project dependency; this only guards odd installs
        physical, mem_total = None, 0
    torch_capability = "not probed"
    if probe_torch:
        try:
            import torch

            torch_capability = torch.backends.cpu.get_cpu_capability()
        except (ImportError, AttributeError):
            torch_capability = "unknown"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "tag": host_tag(cpu["model"], machine, cores),
        "cpu_model": cpu["model"],
        "machine": machine,
        "isa_features": cpu["features"],
        "virtualized": cpu["virtualized"],
        "logical_cpus": cores,
        "physical_cores": physical,
        "usable_cpus": usable,
        "memory_bytes": mem_total,
        "os": _os_name(),
        "kernel": platform.release(),
        "torch_cpu_capability": torch_capability,
        "packages": package_versions(),
        "load_average_at_start": [round(x, 2) for x in load],
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
