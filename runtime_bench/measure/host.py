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


#: Set by tools/aarch64-check for the emulated process, e.g. "qemu-user 10.0.2 -cpu neoverse-n1".
EMULATION_ENV = "SQUEEZEBERT_EMULATION"

#: DMI product/vendor strings of hypervisors (ARM cpuinfo has no "hypervisor" flag).
HYPERVISOR_DMI = ("kvm", "qemu", "vmware", "virtualbox", "xen", "virtual machine", "bochs")


def _arm_core(fields: dict[str, str]) -> str | None:
    """The core named from "CPU implementer"/"CPU part"; None without ARM fields.

    QEMU 10 says `model name: ARMv8 Processor rev 1 (v8l)` for every core, so the part number
    is what names it; real ARM Linux kernels print no model name at all.
    """
    part = fields.get("CPU part", "").lower()
    implementer = fields.get("CPU implementer", "").lower()
    if not part and not implementer:
        return None
    named = ARM_PARTS.get(part) if implementer == "0x41" else None
    return named or f"ARM implementer {implementer or '?'} part {part or '?'}"


def parse_cpuinfo(text: str, machine: str) -> dict[str, Any]:
    """CPU model name, ISA feature flags and virtualization from /proc/cpuinfo text.

    `virtualized` is True/False on x86 (the "hypervisor" flag) and None on ARM, whose cpuinfo
    cannot tell (`describe_host` asks DMI there).
    """
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
    virtualized: bool | None = "hypervisor" in raw_flags
    if arm:
        virtualized = None
        if "flags" in fields and "Features" not in fields:
            # QEMU 7.2's user mode passes the x86 host's cpuinfo through unchanged.
            model = f"unknown ARM core (cpuinfo shows the emulator's host: {model or '?'})"
        else:
            model = _arm_core(fields) or model
    return {
        "model": model or platform.processor() or machine,
        "features": features,
        "virtualized": virtualized,
    }


def detect_emulation(
    machine: str,
    environ: dict[str, str] | None = None,
    kernel_arch_file: str = "/proc/sys/kernel/arch",
) -> str | None:
    """How this process is emulated, or None on real hardware.

    qemu-user reports the guest architecture from uname() but leaves
    /proc/sys/kernel/arch (Linux >= 6.1) to the host kernel, so a mismatch proves user-mode
    emulation without any help; tools/aarch64-check also names the emulator and CPU model in
    $SQUEEZEBERT_EMULATION.
    """
    named = (os.environ if environ is None else environ).get(EMULATION_ENV, "").strip()
    kernel = _read(kernel_arch_file).strip()
    aliases = {"arm64": "aarch64", "amd64": "x86_64"}
    mismatch = bool(kernel) and aliases.get(kernel, kernel) != aliases.get(machine, machine)
    if named:
        return named
    if mismatch:
        return f"user-mode emulation ({machine} process on a {kernel} kernel)"
    return None


def _virtualized_from_dmi() -> bool | None:
    """True when DMI names a hypervisor; None when DMI is absent (unknown, not "no")."""
    dmi = " ".join(
        _read(f"/sys/class/dmi/id/{name}") for name in ("sys_vendor", "product_name")
    ).lower()
    if not dmi.strip():
        return None
    return any(name in dmi for name in HYPERVISOR_DMI)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _os_name() -> str:
    release = _read("/etc/os-release")
    match = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', release, re.MULTILINE)
    return match.group(1) if match else platform.platform()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages whose kernels decide the numbers: the manifest's list,
    which takes each backend's own packages from export.backends.CATALOG."""
    from export.manifest import package_versions as versions_of

    return versions_of()


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
    if cpu["virtualized"] is None:
        cpu["virtualized"] = _virtualized_from_dmi()
    emulated = detect_emulation(machine)
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
        "tag": host_tag(cpu["model"], machine, cores) + ("-emulated" if emulated else ""),
        "cpu_model": cpu["model"],
        "machine": machine,
        "isa_features": cpu["features"],
        "virtualized": cpu["virtualized"],
        "emulated": emulated,
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
