"""runtime_bench.measure.host: the host description reads x86 and aarch64 cpuinfo alike."""

from __future__ import annotations

from pathlib import Path

from benchfakes import FIXTURES

from runtime_bench.measure.host import (
    EMULATION_ENV,
    describe_host,
    detect_emulation,
    host_tag,
    parse_cpuinfo,
)
from runtime_bench.report.render import _host_section

CPUINFO = FIXTURES / "bench"


def test_aarch64_cpuinfo_names_the_core_and_its_int8_features() -> None:
    cpu = parse_cpuinfo((CPUINFO / "cpuinfo_aarch64.txt").read_text(), "aarch64")
    assert cpu["model"] == "Neoverse-N1"
    assert cpu["features"]["neon"] and cpu["features"]["dotprod"] and cpu["features"]["fp16"]
    assert not cpu["features"]["i8mm"] and not cpu["features"]["sve"]
    assert "avx2" not in cpu["features"]


def test_x86_cpuinfo_reports_avx512_vnni_and_amx() -> None:
    cpu = parse_cpuinfo((CPUINFO / "cpuinfo_x86_64.txt").read_text(), "x86_64")
    assert cpu["model"] == "Intel(R) Xeon(R) Platinum 8488C"
    features = cpu["features"]
    assert features["avx2"] and features["avx512f"] and features["avx512_vnni"]
    assert features["avx_vnni"] and features["amx_int8"]
    assert cpu["virtualized"]
    assert "dotprod" not in features


def test_qemu10_cpuinfo_names_the_core_from_cpu_part_not_its_generic_model_name() -> None:
    # Captured from qemu-aarch64 10.0.2 -cpu cortex-a710: "model name: ARMv8 Processor rev 1".
    text = (CPUINFO / "cpuinfo_aarch64_qemu10_cortex_a710.txt").read_text()
    cpu = parse_cpuinfo(text, "aarch64")
    assert cpu["model"] == "Cortex-A710"
    features = cpu["features"]
    assert features["sve2"] and features["i8mm"] and features["bf16"] and features["dotprod"]
    assert cpu["virtualized"] is None  # ARM cpuinfo cannot tell; not a claimed "no"


def test_qemu72_passing_the_x86_cpuinfo_through_is_not_reported_as_an_intel_arm_core() -> None:
    cpu = parse_cpuinfo((CPUINFO / "cpuinfo_x86_64.txt").read_text(), "aarch64")
    assert cpu["model"].startswith("unknown ARM core")
    assert not any(cpu["features"].values())


def test_emulation_is_detected_from_a_kernel_of_another_architecture(tmp_path: Path) -> None:
    kernel = tmp_path / "arch"
    kernel.write_text("x86_64\n")
    found = detect_emulation("aarch64", environ={}, kernel_arch_file=str(kernel))
    assert found is not None and "x86_64" in found
    assert detect_emulation("x86_64", environ={}, kernel_arch_file=str(kernel)) is None
    missing = str(tmp_path / "absent")  # kernels before 6.1 have no /proc/sys/kernel/arch
    assert detect_emulation("aarch64", environ={}, kernel_arch_file=missing) is None
    named = {EMULATION_ENV: "qemu-user 10.0.2 -cpu neoverse-n1"}
    assert detect_emulation("aarch64", environ=named, kernel_arch_file=missing) == (
        "qemu-user 10.0.2 -cpu neoverse-n1"
    )


def test_report_says_emulated_latencies_are_not_hardware_timings() -> None:
    host = {"cpu_model": "Neoverse-N1", "emulated": "qemu-user 10.0.2 -cpu neoverse-n1"}
    text = "\n".join(_host_section({"host": host, "records": [{}]}))
    assert "NOT a hardware timing" in text and "qemu-user 10.0.2" in text
    plain = "\n".join(_host_section({"host": {**host, "emulated": None}, "records": [{}]}))
    assert "hardware timing" not in plain


def test_unknown_arm_part_is_still_described() -> None:
    text = "Features\t: fp asimd i8mm\nCPU implementer\t: 0x61\nCPU part\t: 0x022\n"
    cpu = parse_cpuinfo(text, "aarch64")
    assert "0x61" in cpu["model"] and cpu["features"]["i8mm"]


def test_host_tag_is_directory_safe() -> None:
    assert host_tag("Intel(R) Xeon(R) Platinum 8488C", "x86_64", 2) == (
        "intel-r-xeon-r-platinum-8488c-x86_64-2cpu"
    )
    assert host_tag("", "aarch64", 8) == "cpu-aarch64-8cpu"


def test_describe_host_records_cpu_os_cores_and_package_versions() -> None:
    host = describe_host()
    for key in ("tag", "cpu_model", "machine", "isa_features", "logical_cpus", "os", "packages"):
        assert host[key], key
    assert {"torch", "executorch", "onnxruntime"} <= set(host["packages"])
    assert host["emulated"] is None and not host["tag"].endswith("-emulated")
