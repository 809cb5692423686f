"""Known third-party noise is dropped by exact message; every other line still gets through."""

from __future__ import annotations

import logging
import os

import pytest

from export import quiet

CPUINFO = (
    "[cpuinfo_utils.cpp:71] Reading file /sys/devices/soc0/image_version\n"
    "[cpuinfo_utils.cpp:87] Failed to open midr file /sys/devices/soc0/image_version\n"
    "[cpuinfo_utils.cpp:125] CPU info and manual query on # of cpus dont match.\n"
    "[threadpool.cpp:66] Resetting threadpool to 1 threads.\n"
)


@pytest.fixture
def enabled(monkeypatch):
    monkeypatch.setattr(quiet, "_enabled", False)
    quiet.enable()


def test_native_runtime_noise_is_dropped_and_other_native_lines_kept(enabled, capfd):
    with quiet.native_stderr_filtered():
        os.write(2, (CPUINFO + "[method.cpp:12] Missing operator: aten::foo\n").encode())
    err = capfd.readouterr().err
    assert err == "[method.cpp:12] Missing operator: aten::foo\n"


def test_without_enable_native_output_passes_untouched(monkeypatch, capfd):
    monkeypatch.setattr(quiet, "_enabled", False)  # what -v/--verbose leaves in place
    with quiet.native_stderr_filtered():
        os.write(2, CPUINFO.encode())
    assert capfd.readouterr().err == CPUINFO


def test_native_output_comes_back_when_the_block_raises(enabled, capfd):
    with pytest.raises(RuntimeError), quiet.native_stderr_filtered():
        os.write(2, b"fatal: the program is corrupt\n")
        raise RuntimeError
    assert capfd.readouterr().err == "fatal: the program is corrupt\n"


def test_known_log_messages_are_dropped_and_real_warnings_kept(enabled, monkeypatch, request):
    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    seen: list[str] = []
    onnx = logging.getLogger("torch.onnx._internal.exporter._registration")
    pytree = logging.getLogger("torch.utils._pytree")
    for logger in (onnx, pytree):  # other tests' in-process builds raise or disable loggers
        monkeypatch.setattr(logger, "disabled", False)
        monkeypatch.setattr(logger, "level", logging.WARNING)
        monkeypatch.setattr(logger, "handlers", [*logger.handlers])  # restored without ours
        logger.addHandler(Collect())
    # Loggers cache isEnabledFor: a build earlier in this process (torch.onnx at ERROR) leaves
    # "WARNING is off" cached on these children; setting `level` directly does not clear it.
    logging.root.manager._clear_cache()
    request.addfinalizer(logging.root.manager._clear_cache)
    onnx.warning("torchvision is not installed. Skipping torchvision::nms")
    pytree.warning(
        "<enum 'KernelPreference'> is an Enum subclass and is now natively supported by "
        "torch.compile as an opaque value type. Calling register_constant() on Enum "
        "subclasses is deprecated and will be an error in a future release."
    )
    onnx.warning("operator aten::foo has no ONNX symbolic")
    assert seen == ["operator aten::foo has no ONNX symbolic"]


def test_a_real_user_warning_still_reaches_the_user(monkeypatch):
    import warnings

    monkeypatch.setattr(quiet, "_enabled", False)
    with warnings.catch_warnings(record=True) as caught:  # restores the filters afterwards
        warnings.simplefilter("always")
        quiet.enable()
        warnings.warn(
            "# The axis name: batch will not be used, since it shares the same shape", stacklevel=1
        )
        warnings.warn("calibration saw no activations for layer 3", stacklevel=1)
    assert [str(w.message) for w in caught] == ["calibration saw no activations for layer 3"]
