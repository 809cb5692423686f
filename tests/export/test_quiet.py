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


#: what ai-edge-litert 2.3 prints loading and freeing one CompiledModel on a CPU-only install
LITERT = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796577596.107698   17495 port.cc:153] oneDNN custom operations are on. You may see \
slightly different numerical results due to floating-point round-off errors from different \
computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
INFO: [environment.cc:36] Creating LiteRT environment with options
INFO: [accelerator_registry.cc:54] RegisterAccelerator: ptr=0x55e69eae3d50, name=CpuAccelerator
INFO: [cpu_registry.cc:75] XNNPACK CPU accelerator registered.
INFO: [gpu_registry.cc:130] Attempting to load GPU accelerator(/x/site-packages/ai_edge_litert/\
libLiteRtWebGpuAccelerator.so).
INFO: [gpu_registry.cc:130] Attempting to load GPU accelerator(libLiteRtGpuAccelerator.so).
INFO: [gpu_registry.cc:138] Dynamically loaded GPU accelerator(libLiteRtWebGpuAccelerator.so) \
registered.
INFO: [accelerator_registry.cc:54] RegisterAccelerator: ptr=0x55e69ebda7e0, name=GPU WebGPU
INFO: [npu_registry.cc:30] NPU accelerator registered.
WARNING: [npu_registry.cc:34] NPU accelerator could not be loaded and registered: \
kLiteRtStatusErrorNotFound.
INFO: [compiler_plugin.cc:250] Loading plugin at: /x/site-packages/ai_edge_litert/vendors/\
intel_openvino/compiler/libLiteRtCompilerPlugin_IntelOpenvino.so
WARNING: [compiler_plugin.cc:312] Failed to load plugin at: /x/site-packages/ai_edge_litert/\
vendors/intel_openvino/compiler/libLiteRtCompilerPlugin_IntelOpenvino.so with error: ERROR: \
[litert/compiler/plugin/compiler_plugin.cc:259]
\u2514 Could not load shared library /x/site-packages/ai_edge_litert/vendors/intel_openvino/\
compiler/libLiteRtCompilerPlugin_IntelOpenvino.so: libopenvino.so.2631: cannot open shared \
object file: No such file or directory.
INFO: [compiled_model.cc:829] Flatbuffer model initialized directly from incoming litert model.
INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
INFO: [accelerator_registry.cc:43] DestroyAccelerator: ptr=0x55e69ec6ea80, name=NpuAccelerator
"""
#: what LiteRT prints when something is actually wrong: kept
LITERT_ERROR = "ERROR: [compiled_model.cc:312] Failed to initialize the model: bad flatbuffer\n"


@pytest.fixture
def enabled(monkeypatch):
    monkeypatch.setattr(quiet, "_enabled", False)
    quiet.enable()


def test_native_runtime_noise_is_dropped_and_other_native_lines_kept(enabled, capfd):
    with quiet.native_stderr_filtered():
        os.write(2, (CPUINFO + "[method.cpp:12] Missing operator: aten::foo\n").encode())
    err = capfd.readouterr().err
    assert err == "[method.cpp:12] Missing operator: aten::foo\n"


def test_litert_load_and_free_notes_are_dropped_and_its_errors_kept(enabled, capfd):
    with quiet.native_teardown():
        os.write(2, (LITERT + LITERT_ERROR).encode())
    assert capfd.readouterr().err == LITERT_ERROR


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
    torchao = logging.getLogger("torchao")
    # other tests' in-process builds raise or disable loggers
    for logger in (onnx, pytree, torchao):
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
    so = "/x/site-packages/torchao/_C_mxfp8.cpython-310-x86_64-linux-gnu.so"
    torchao.warning(f"Failed to load {so}: Could not load this library: {so}")
    onnx.warning("operator aten::foo has no ONNX symbolic")
    torchao.warning("Skipping import of cpp extensions due to incompatible torch version")
    assert seen == [
        "operator aten::foo has no ONNX symbolic",
        "Skipping import of cpp extensions due to incompatible torch version",
    ]


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
