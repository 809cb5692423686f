"""runtime_bench.host: the host description reads x86 and aarch64 cpuinfo alike."""

from __future__ import annotations

from pathlib import Path

from runtime_bench.host import describe_host, host_tag, parse_cpuinfo

FIXTURES = Path(__file__).parent / "fixtures" / "bench"


def test_aarch64_cpuinfo_names_the_core_and_its_int8_features() -> None:
    cpu = parse_cpuinfo((FIXTURES / "cpuinfo_aarch64.txt").read_text(), "aarch64")
    assert cpu["model"] == "Neoverse-N1"
    assert cpu["features"]["neon"] and cpu["features"]["dotprod"] and cpu["features"]["fp16"]
    assert not cpu["features"]["i8mm"] and not cpu["features"]["sve"]
    assert "avx2" not in cpu["features"]


def test_x86_cpuinfo_reports_avx512_vnni_and_amx() -> None:
    cpu = parse_cpuinfo((FIXTURES / "cpuinfo_x86_64.txt").read_text(), "x86_64")
    assert cpu["model"] == "Intel(R) Xeon(R) Platinum 8488C"
    features = cpu["features"]
    assert features["avx2"] and features["avx512f"] and features["avx512_vnni"]
    assert features["avx_vnni"] and features["amx_int8"]
    assert cpu["virtualized"]
    assert "dotprod" not in features


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
