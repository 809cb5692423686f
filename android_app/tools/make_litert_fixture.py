"""The LiteRT input-convention fixture for the Java core, made from a real exported .tflite.

It reads the file's signatures with LiteRT's own Python interpreter (names, shapes, dtypes of
every signature's inputs and output) and runs a few real-length inputs through the exporter's
runner code (export/backends/litert.py: the signature it picks, the int32 tensors it feeds after
padding, and the logits it keeps). The Java core (org.squeezebertmobile.core.litert) must make the
same choices: tests/fixtures/android/litert_signatures.json holds them.

    {"file": "...tflite", "signatures": {"seq_32": {"inputs": {"input_ids": {"shape": [1, 32],
     "dtype": "int32"}, ...}, "outputs": {"output_0": {"shape": [1, 32, 9], ...}}}, ...},
     "cases": [{"length": 20, "signature": "seq_32", "input_ids": [...], "attention_mask": [...],
                "padded_input_ids": [...], "padded_attention_mask": [...],
                "output_shape": [1, 32, 9], "output_b64": "<float32 LE>", "real_logits_b64": "..."}]}

A masked-LM file (its signatures also take ``mask_positions``) gets cases with M mask positions
instead: the signature picked for (L, M), the padded int32 positions, and the output shape and
rows kept ([1, M_L, V] logits are too large to store; the row rule is tested on its own in Java).
Its fixture is tests/fixtures/android/litert_signatures_mlm.json.

Usage: python android_app/tools/make_litert_fixture.py TFLITE [--out FILE]
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "android" / "litert_signatures.json"
#: Lengths that exercise exact fits, padding, and the step to the next signature.
LENGTHS = (5, 32, 33, 100)
#: Masked-LM (length, positions) for a file with signatures seq_32 and seq_64: padding of the
#: positions, an exact fit, the step up for the length and the step up for the count alone.
MLM_CASES = ((5, 1), (32, 3), (33, 2), (20, 4))


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(values.astype("<f4").tobytes()).decode("ascii")


def _details(items: dict) -> dict:
    return {
        name: {"shape": [int(v) for v in d["shape"]], "dtype": np.dtype(d["dtype"]).name}
        for name, d in sorted(items.items())
    }


def describe(path: Path) -> dict:
    from ai_edge_litert.interpreter import Interpreter

    from export.backends.litert import signature_name
    from export.backends.litert_runtime import LiteRTRunner, pad_to_static_length, real_logits

    interpreter = Interpreter(model_path=str(path), num_threads=1)
    signatures = {}
    for key in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(key)
        signatures[key] = {
            "inputs": _details(runner.get_input_details()),
            "outputs": _details(runner.get_output_details()),
        }
    runner = LiteRTRunner(path, num_threads=1)
    rng = np.random.default_rng(0)
    if runner.masked:
        return {
            "file": path.name,
            "signatures": signatures,
            "cases": _masked_cases(interpreter, runner, rng),
        }
    cases = []
    for length in LENGTHS:
        ids = rng.integers(1000, 2000, (1, length)).astype(np.int64)
        mask = np.ones((1, length), np.int64)
        mask[0, length - 2 :] = 0  # the tokenizer's padding inside the fitted length
        bucket = runner.static_length_for(length)
        feeds = pad_to_static_length(ids, mask, bucket)
        (raw,) = interpreter.get_signature_runner(signature_name(bucket))(**feeds).values()
        cases.append(
            {
                "length": length,
                "signature": signature_name(bucket),
                "input_ids": ids[0].tolist(),
                "attention_mask": mask[0].tolist(),
                "padded_input_ids": feeds["input_ids"][0].tolist(),
                "padded_attention_mask": feeds["attention_mask"][0].tolist(),
                "output_shape": list(raw.shape),
                "output_b64": _b64(raw),
                "real_logits_b64": _b64(real_logits(raw, length)),
            }
        )
    return {"file": path.name, "signatures": signatures, "cases": cases}


def _masked_cases(interpreter, runner, rng: np.random.Generator) -> list[dict]:
    from export.backends.litert import signature_name
    from export.backends.litert_runtime import POSITIONS, pad_to_static_length, real_logits

    cases = []
    for length, count in MLM_CASES:
        ids = rng.integers(1000, 2000, (1, length)).astype(np.int64)
        mask = np.ones((1, length), np.int64)
        positions = np.sort(rng.choice(np.arange(1, length - 1), count, replace=False))[None]
        bucket = runner.static_length_for(length, count)
        feeds = pad_to_static_length(ids, mask, bucket, positions, runner.masked[bucket])
        (raw,) = interpreter.get_signature_runner(signature_name(bucket))(**feeds).values()
        kept = real_logits(raw, count)
        if not np.array_equal(kept, runner(ids, mask, positions)):
            raise SystemExit("the runner's logits differ from the signature's own run")
        cases.append(
            {
                "length": length,
                "signature": signature_name(bucket),
                "input_ids": ids[0].tolist(),
                "attention_mask": mask[0].tolist(),
                "mask_positions": positions[0].tolist(),
                "padded_input_ids": feeds["input_ids"][0].tolist(),
                "padded_attention_mask": feeds["attention_mask"][0].tolist(),
                "padded_mask_positions": feeds[POSITIONS][0].tolist(),
                "output_shape": list(raw.shape),
                "rows": int(kept.shape[1]),
            }
        )
    return cases


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tflite", type=Path, help="an exported <tag>_litert_<precision>.tflite")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    if not args.tflite.is_file():
        print(
            f"error: {args.tflite} does not exist: build one with --formats litert", file=sys.stderr
        )
        return 2
    from export.io import write_json

    write_json(args.out, describe(args.tflite))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
