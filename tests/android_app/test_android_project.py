"""The Android Gradle project: the contracts it shares with the Python side, checked statically.

No Android SDK is available here, so the APK is never built in CI; these tests pin what a build
depends on: the ExecuTorch runtime version equals the exporter's, the activity runtime_bench
starts exists under the package it uses, and the pure-Java core stays free of Android.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from runtime_bench.phone import driver as adb

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "android_app"
ANDROID_NS = "{http://schemas.android.com/apk/res/android}"


def gradle_property(name: str) -> str:
    text = (APP / "gradle.properties").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}=(.+)$", text, re.MULTILINE)
    assert match, f"{name} missing from android_app/gradle.properties"
    return match.group(1).strip()


def test_executorch_android_version_equals_the_exporters_executorch_pin():
    # tomllib is 3.11+ and the project supports 3.10: the pin is one quoted requirement string.
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'^\s*"executorch==([^"]+)"', pyproject, re.MULTILINE)
    assert len(pins) == 1, "pyproject.toml must pin executorch==X.Y.Z"
    assert gradle_property("executorchVersion") == pins[0]


def test_app_takes_the_executorch_aar_version_from_the_pinned_property():
    build = (APP / "app" / "build.gradle").read_text(encoding="utf-8")
    deps = re.findall(r"org\.pytorch:executorch-android[^'\"]*", build)
    assert deps == ["org.pytorch:executorch-android:${executorchVersion}"]
    assert "implementation project(':core')" in build


def test_litert_android_version_equals_the_litert_extras_ai_edge_litert_pin():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"ai-edge-litert==([^"]+)"', pyproject)
    assert len(pins) == 1, "pyproject.toml's [litert] extra must pin ai-edge-litert==X.Y.Z"
    assert gradle_property("litertVersion") == pins[0]


def test_app_takes_the_litert_library_version_from_the_pinned_property():
    build = (APP / "app" / "build.gradle").read_text(encoding="utf-8")
    deps = re.findall(r"com\.google\.ai\.edge\.litert:[^'\"]*", build)
    assert deps == ["com.google.ai.edge.litert:litert:${litertVersion}"]


def test_app_min_sdk_is_at_least_23_and_package_is_the_one_runtime_bench_drives():
    build = (APP / "app" / "build.gradle").read_text(encoding="utf-8")
    min_sdk = int(re.search(r"minSdk\s*=\s*(\d+)", build).group(1))
    assert min_sdk >= 23
    assert re.search(r"applicationId\s*=\s*'([\w.]+)'", build).group(1) == adb.PACKAGE


def test_manifest_declares_the_launcher_and_the_exported_benchmark_activity():
    root = ET.parse(APP / "app" / "src" / "main" / "AndroidManifest.xml").getroot()
    activities = {a.get(f"{ANDROID_NS}name"): a for a in root.iter("activity")}
    assert set(activities) == {".MainActivity", adb.ACTIVITY}
    assert activities[adb.ACTIVITY].get(f"{ANDROID_NS}exported") == "true"
    launcher = activities[".MainActivity"].find("intent-filter/category")
    assert launcher.get(f"{ANDROID_NS}name") == "android.intent.category.LAUNCHER"
    java = APP / "app/src/main/java/org/squeezebertmobile/app"
    for name in activities:
        assert (java / f"{name.lstrip('.')}.java").is_file(), name


def test_benchmark_activity_is_guarded_as_a_debugging_entry_point():
    # Exported (adb starts it), but only holders of DUMP may start it: the adb shell user holds
    # DUMP (frameworks/base packages/Shell), third-party apps cannot. And it exists only in
    # debuggable builds: the enabled flag is false in main and true in the debug source set.
    root = ET.parse(APP / "app" / "src" / "main" / "AndroidManifest.xml").getroot()
    [activity] = [a for a in root.iter("activity") if a.get(f"{ANDROID_NS}name") == adb.ACTIVITY]
    assert activity.get(f"{ANDROID_NS}permission") == "android.permission.DUMP"
    assert activity.get(f"{ANDROID_NS}enabled") == "@bool/benchmark_enabled"

    def flag(source_set: str) -> str:
        values = ET.parse(APP / "app" / "src" / source_set / "res" / "values" / "benchmark.xml")
        [value] = [b.text for b in values.getroot().iter("bool")
                   if b.get("name") == "benchmark_enabled"]  # fmt: skip
        return value

    assert (flag("main"), flag("debug")) == ("false", "true")


def test_the_activity_leaves_its_outcome_where_runtime_bench_reads_it():
    # BenchmarkJob (core, JVM-tested) always writes the results or the error file; the
    # activity hands it the whole run instead of catching a subset of failures itself.
    job = APP / "core/src/main/java/org/squeezebertmobile/core/bench/BenchmarkJob.java"
    name = re.search(r'ERROR_FILE = "([^"]+)"', job.read_text(encoding="utf-8")).group(1)
    assert f"files/{name}" == adb.ERROR_FILE
    activity = APP / "app/src/main/java/org/squeezebertmobile/app/BenchmarkActivity.java"
    source = activity.read_text(encoding="utf-8")
    assert "job.run(" in source and "RuntimeException e" not in source


def test_gradle_wrapper_is_complete():
    settings = (APP / "settings.gradle").read_text(encoding="utf-8")
    assert "include ':app', ':core'" in settings
    jar = APP / "gradle" / "wrapper" / "gradle-wrapper.jar"
    with zipfile.ZipFile(jar) as archive:
        assert "org/gradle/wrapper/GradleWrapperMain.class" in archive.namelist()
    props = (APP / "gradle" / "wrapper" / "gradle-wrapper.properties").read_text(encoding="utf-8")
    assert re.search(r"distributionUrl=.*gradle-9\.\d+(\.\d+)?-bin\.zip", props)
    assert (APP / "gradlew").stat().st_mode & 0o111, "gradlew must be executable"
    assert (APP / "gradlew.bat").is_file()


def test_core_module_is_pure_java_without_android_imports():
    sources = list((APP / "core" / "src" / "main" / "java").rglob("*.java"))
    assert len(sources) > 20
    offenders = [
        str(path.relative_to(APP))
        for path in sources
        if re.search(r"^import (android|androidx|org\.pytorch)\.", path.read_text(), re.MULTILINE)
    ]
    assert not offenders, offenders
    core_build = (APP / "core" / "build.gradle").read_text(encoding="utf-8")
    assert "id 'java-library'" in core_build and "useJUnitPlatform()" in core_build


def test_every_extra_the_driver_sends_is_read_by_the_benchmark_activity():
    # runtime_bench --adb starts the activity with --es/--ei extras; a name the activity does not
    # read would be silently ignored on the phone (e.g. model_file: every model would run).
    import inspect

    from runtime_bench.phone import steps as adb_steps

    sent = re.findall(r'"--e[si]", "(\w+)"', inspect.getsource(adb_steps.start_activity))
    assert {"model_dir", "model_file", "seq_len", "num_threads"} <= set(sent)
    activity = APP / "app/src/main/java/org/squeezebertmobile/app/BenchmarkActivity.java"
    source = activity.read_text("utf-8")
    read = set(re.findall(r'get(?:String|Int)Extra\("(\w+)"', source))
    # an extra named by a core constant, e.g. getStringExtra(LiteRtApi.EXTRA)
    for name in re.findall(r"get(?:String|Int)Extra\((\w+)\.EXTRA\)", source):
        (java,) = (APP / "core/src/main/java").rglob(f"{name}.java")
        read |= set(re.findall(r'String EXTRA = "(\w+)"', java.read_text("utf-8")))
    assert set(sent) <= read, set(sent) - read


#: The app classes that call ExecuTorch's and LiteRT's Android APIs, compiled against the stubs.
RUNTIME_CLASSES = (
    "LiteRtBackend",
    "LiteRtRunner",
    "LiteRtCompiledModel",
    "LiteRtInterpreterModel",
    "Runtimes",
    "ExecuTorchBackend",
    "ExecuTorchModel",
)
STUBS = REPO / "tests" / "fixtures" / "android" / "stubs"


def _javac(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["javac", "--release", "17", "-encoding", "UTF-8", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK (javac)")
def test_app_runtime_classes_compile_warning_free_against_the_checked_library_signatures(
    tmp_path: Path,
):
    # No Android SDK here: the stubs declare only the checked public signatures of LiteRT 2.2.0
    # (CompiledModel, TensorBuffer, Interpreter) and ExecuTorch 1.4.1, as Java sees them.
    core = tmp_path / "core"
    main = sorted(str(p) for p in (APP / "core" / "src" / "main" / "java").rglob("*.java"))
    built = _javac("-d", str(core), *main)
    assert built.returncode == 0, built.stderr
    app = APP / "app" / "src" / "main" / "java" / "org" / "squeezebertmobile" / "app"
    sources = [str(app / f"{name}.java") for name in RUNTIME_CLASSES]
    stubs = sorted(str(p) for p in STUBS.rglob("*.java"))
    result = _javac(
        "-Xlint:all", "-Werror", "-cp", str(core), "-d", str(tmp_path / "app"), *stubs, *sources
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "app" / "org/squeezebertmobile/app/LiteRtCompiledModel.class").is_file()


def test_every_stub_names_the_public_source_and_tag_it_mirrors():
    stubs = sorted(STUBS.rglob("*.java"))
    assert len(stubs) >= 10
    for stub in stubs:
        text = stub.read_text(encoding="utf-8")
        assert re.search(
            r"Stub of (google-ai-edge/LiteRT|pytorch/executorch) v\d+\.\d+\.\d+", text
        ), stub
