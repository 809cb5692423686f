"""LiteRT (TFLite) backend: litert-torch fp32, ai-edge-quantizer dynamic int8, LiteRT to run.

Why the artifact looks as it does (litert-torch 0.10, ai-edge-quantizer 0.10, LiteRT 2.3):

* **One signature per length bucket.** litert-torch 0.10 lowers through JAX, which cannot
  lower a symbolic sequence axis (``torch.export.Dim`` fails at the mask's ``unsqueeze``), so
  the file holds one static signature per length: by default the few lengths that pad the
  task's training inputs least, up to its cap (export.lengths), plus the reference length
  128 where real inputs reach it. The signatures share one copy of the weights in the file,
  and the runner's XNNPACK weight cache shares one packed copy in memory
  (export.backends.litert_runtime); what each signature still costs is its operators'
  memory. A caller pads to the smallest signature that fits, with attention mask 0, and drops
  the padded positions.
* **int32 inputs** ``input_ids`` and ``attention_mask`` in every signature (litert-torch
  downcasts int64); the output is ``output_0``.
* **Masked-LM: M_L = export.masking.masked_count(L) mask positions per signature**; a caller
  pads its positions to M_L and keeps the first M rows (``task_json`` spells the rule out).
* **int8 through ai-edge-quantizer** ``dynamic_wi8_afp32`` (per-channel int8 FULLY_CONNECTED /
  CONV_2D, per-row int8 embeddings, fp32 attention BATCH_MATMULs): litert-torch's own PT2E
  route writes an embedding LiteRT refuses to load (``embedding_lookup.cc:73``).

``litert`` gets the export.rewrite rules its architecture lists for it (export.arch);
``litert-stock`` lists none for any architecture, so a benchmark shows what the rewrite buys.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from export.backends import REFERENCE_LENGTH, register_backend
from export.backends.base import Backend, ExportRequest
from export.backends.litert_runtime import POSITIONS, LiteRTRunner
from export.backends.runner import Runner
from export.errors import ConfigError, ExportError, first_line
from export.lengths import fewest_padding_lengths, static_length_grid
from export.masking import masked_count
from export.quiet import rich_console_silenced

EXTRA_HINT = "pip install -e '.[litert]'"
INPUT_NAMES = ("input_ids", "attention_mask")
INPUT_DTYPE = "int32"


@dataclass(frozen=True)
class LiteRTQuant:
    """litert-torch + ai-edge-quantizer settings (export.backends.litert).

    Attributes:
        recipe: an ``ai_edge_quantizer.recipe`` function; ``dynamic_wi8_afp32`` is per-channel
            int8 FULLY_CONNECTED/CONV_2D weights, per-row int8 embeddings, fp32 attention
            BATCH_MATMUL, activations quantized at run time.
    """

    recipe: str = "dynamic_wi8_afp32"


def signature_name(length: int) -> str:
    return f"seq_{length}"


def signature_sample(length: int, input_names: tuple[str, ...]) -> dict[str, torch.Tensor]:
    """The static example inputs of signature `seq_<length>`: [1, length] ids and mask, and
    for masked-LM [1, masked_count(length)] positions."""
    sample = {n: torch.zeros((1, length), dtype=torch.int64) for n in INPUT_NAMES}
    sample["attention_mask"] += 1
    if POSITIONS in input_names:
        sample[POSITIONS] = torch.ones((1, masked_count(length)), dtype=torch.int64)
    return sample


def require_litert() -> None:
    """A one-line error naming the extra when the LiteRT packages are not installed."""
    try:
        import ai_edge_litert  # noqa: F401
        import ai_edge_quantizer  # noqa: F401
        import litert_torch  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"the LiteRT format needs the optional LiteRT packages ({exc.name} is missing): "
            f"{EXTRA_HINT}"
        ) from None


@register_backend
class LiteRTBackend(Backend):
    name = "litert"
    dynamic_batch = False
    static_shapes = True
    quant_defaults = LiteRTQuant()

    def __init__(self) -> None:
        #: (key, bytes) of this backend's last fp32 conversion (`_model_key`): the build
        #: exports fp32 then int8 of the same model, and conversion (one trace per signature)
        #: is the slow step, so int8 quantizes the fp32 file already converted
        self._last_fp32: tuple[str, bytes] | None = None

    def check_available(self) -> None:
        require_litert()

    def static_lengths(
        self,
        max_seq_len: int,
        input_cap: int | None,
        asked: tuple[int, ...] | None,
        sample: Sequence[int] = (),
    ) -> list[int]:
        """--static-lengths when given; else this route's default lengths."""
        if asked:
            return sorted(set(asked))
        return self.default_static_lengths(max_seq_len, input_cap, sample)

    def default_static_lengths(
        self, max_seq_len: int, input_cap: int | None, sample: Sequence[int]
    ) -> list[int]:
        """The fewest lengths up to the task's own cap (News 300, NER 100, masked-LM 50: the
        tokenizer truncates there) that pad `sample` by at most export.lengths.PADDING_TARGET
        (the sqrt(2) grid without a sample), and REFERENCE_LENGTH where real inputs reach it.
        Each signature costs memory at load whatever its length, so nothing else is in."""
        top = min(input_cap or max_seq_len, max_seq_len)
        chosen = fewest_padding_lengths(sample, top) if sample else static_length_grid(top)
        reference = {REFERENCE_LENGTH} if top >= REFERENCE_LENGTH else set()
        return sorted(set(chosen) | reference)

    def export(self, request: ExportRequest, out_path: Path) -> dict[str, Any]:
        require_litert()
        buckets = list(request.plan.static_lengths or ())
        if buckets[-1] > request.max_seq_len:
            raise ConfigError(
                f"--static-lengths {buckets[-1]} exceeds the model's maximum of "
                f"{request.max_seq_len} positions: use lengths up to {request.max_seq_len}"
            )
        info: dict[str, Any] = {
            "batch_size": 1,
            "max_seq_len": buckets[-1],  # runtime_bench refuses longer sequences
            "signatures": {signature_name(b): b for b in buckets},
            "inputs": [
                {
                    "name": n,
                    "shape": [1, "bucket" if n != POSITIONS else "masked_count(bucket)"],
                    "dtype": INPUT_DTYPE,
                }
                for n in request.input_names
            ],
            "outputs": [{"name": "output_0", "dtype": "float32"}],
        }
        with tempfile.TemporaryDirectory() as tmp:
            fp32 = Path(tmp) / "model_fp32.tflite"
            key = _model_key(request.model, buckets, request.input_names)
            if self._last_fp32 is None or self._last_fp32[0] != key:
                self._convert(request.model, buckets, request.input_names, fp32)
                self._last_fp32 = (key, fp32.read_bytes())
            fp32.write_bytes(self._last_fp32[1])
            if not request.scheme.quantized:
                out_path.write_bytes(fp32.read_bytes())
            else:
                info["quantization"] = self._quantize(fp32, out_path, request.plan.quant)
        info["op_census"] = op_census(out_path)
        return info

    @staticmethod
    def _convert(
        model: torch.nn.Module, buckets: list[int], input_names: tuple[str, ...], path: Path
    ) -> None:
        import litert_torch
        from litert_torch import progress

        converter: Any = litert_torch
        try:
            with rich_console_silenced(progress.console):
                for length in buckets:
                    sample = signature_sample(length, input_names)
                    converter = converter.signature(
                        signature_name(length), model, sample_kwargs=sample
                    )
                converter.convert().export(str(path))
        except Exception as exc:
            raise ExportError(f"LiteRT conversion failed: {first_line(exc)}") from exc

    @staticmethod
    def _quantize(src: Path, dst: Path, settings: LiteRTQuant) -> dict[str, Any]:
        from ai_edge_quantizer import quantizer, recipe

        make_recipe = getattr(recipe, settings.recipe, None)
        if make_recipe is None:
            raise ExportError(f"ai-edge-quantizer has no recipe {settings.recipe!r}")
        try:
            q = quantizer.Quantizer(str(src))
            q.load_quantization_recipe(make_recipe())
            q.quantize().export_model(str(dst), overwrite=True)
        except Exception as exc:
            raise ExportError(f"LiteRT int8 quantization failed: {first_line(exc)}") from exc
        return {"method": "ai_edge_quantizer", "recipe": settings.recipe}

    def load(self, path: Path, num_threads: int = 1) -> Runner:
        require_litert()
        return LiteRTRunner(path, num_threads)

    def task_json(self, entries: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """What the phone needs to feed these files: int32 ids, one signature per length."""
        mine = {e["precision"]: name for name, e in entries.items() if e["format"] == self.name}
        if not mine:
            return None
        first = entries[next(iter(mine.values()))]
        names = [i["name"] for i in first["inputs"]]
        section = {
            "artifacts": mine,
            "input_names": names,
            "input_dtype": INPUT_DTYPE,
            "output_name": "output_0",
            "signatures": first["signatures"],
            "padding": "pad input_ids and attention_mask with 0 to the smallest signature "
            "length >= the sequence; drop padded positions from token-level logits",
            "weight_cache": "load with XNNPACK's weight cache on (CompiledModel CpuOptions "
            "xnnpack_weight_cache_path ':memory') so the signatures share one packed copy of "
            "the weights",
        }
        if POSITIONS in names:
            section["mask_positions"] = {
                "per_signature": {
                    name: masked_count(length) for name, length in first["signatures"].items()
                },
                "rule": "max(1, round(L / 10)), halves up: (L + 5) // 10",
                "padding": "use the smallest signature whose length holds the sequence and whose "
                "mask_positions count holds the request's M; pad the positions to that count by "
                "repeating the last one; keep the first M rows of output_0 [1, count, V]. An M "
                "larger than every fitting signature's count runs in chunks of positions.",
            }
        return section


@register_backend
class LiteRTStockBackend(LiteRTBackend):
    """The stock route: no architecture lists an export.rewrite rule for it (export.arch),
    so it is the baseline that shows what the rewrite buys."""

    name = "litert-stock"

    def default_static_lengths(
        self, max_seq_len: int, input_cap: int | None, sample: Sequence[int]
    ) -> list[int]:
        """What the stock route ships: one REFERENCE_LENGTH signature, plus the task's cap
        where it is longer (News' 300-token articles), so the benchmark scores the whole test
        split as the other artifacts do."""
        longest = min(max(input_cap or 0, REFERENCE_LENGTH), max_seq_len)
        return sorted({min(REFERENCE_LENGTH, max_seq_len), longest})


def _model_key(model: torch.nn.Module, buckets: list[int], input_names: tuple[str, ...]) -> str:
    """Identity of a conversion: module classes, weights, inputs and signature lengths."""
    digest = hashlib.sha256(repr((buckets, input_names)).encode())
    for name, module in model.named_modules():
        digest.update(f"{name}:{type(module).__qualname__}".encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()


def op_census(path: Path) -> dict[str, Any]:
    """Operators of one signature's subgraph (every signature is the same graph at another
    length), split into those that take an int8 tensor (quantized weights) and those that
    run fp32 only. Read with LiteRT's own flatbuffer schema."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    subgraph = model.subgraphs[0]
    census: dict[str, dict[str, int]] = {}
    for op in subgraph.operators:
        code = model.operatorCodes[op.opcodeIndex]
        name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")
        int8 = any(i >= 0 and subgraph.tensors[i].type == schema.TensorType.INT8 for i in op.inputs)
        bucket = census.setdefault(name, {"int8": 0, "fp32": 0})
        bucket["int8" if int8 else "fp32"] += 1
    census = dict(sorted(census.items()))
    keys = [d.signatureKey for d in model.signatureDefs or [] if d.subgraphIndex == 0]
    return {
        "signature": keys[0].decode() if keys else None,
        "operators": sum(v["int8"] + v["fp32"] for v in census.values()),
        "int8_ops": sorted(k for k, v in census.items() if v["int8"]),
        "fp32_only_ops": sorted(k for k, v in census.items() if not v["int8"]),
        "by_operator": census,
    }
