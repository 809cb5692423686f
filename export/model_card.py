"""The model card (README.md) of a task folder, generated from its manifest.

Each task folder is a complete Hugging Face model folder; the card's metadata is what the Hub
and its tools read: base model, datasets, pipeline tag, library, tags and a `model-index` with
the test-split metrics of eager PyTorch and of every artifact. The body lists the files with
their sizes and parity, the latency of each artifact from the newest runtime_bench run that
timed those exact bytes (matched by sha256; none yet: no latency section), and how to run the
ONNX files, including the masked-LM's `mask_positions` input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from export.backends import CATALOG, FORMAT_NAMES
from export.io import atomic_path
from export.tasks.base import pipeline_tag

CARD = "README.md"
#: where runtime_bench writes its runs by default (runtime_bench/results/<host>/...)
DEFAULT_RESULTS = Path(__file__).resolve().parent.parent / "runtime_bench" / "results"
#: the Hub tag of each backend's file type: onnx, executorch, tflite
TAGS_BY_FORMAT = {
    name: {".pte": "executorch"}.get(info.extension, info.extension[1:])
    for name, info in CATALOG.items()
}

MASK_POSITIONS_NOTE = """\
**The masked-LM's third input, `mask_positions`** (int64 `[batch, M]`), departs from Hugging
Face's fill-mask convention on purpose: the artifact decodes only the rows listed there, so it
returns logits `[batch, M, vocab]`, not `[batch, sequence, vocab]` (the vocabulary projection of
every row is a large share of the work). Pass the token positions of the `[MASK]` tokens, e.g.
`np.nonzero(input_ids[0] == tokenizer.mask_token_id)[0][None]`. `ORTModelForMaskedLM`, which
feeds only `input_ids` and `attention_mask`, cannot run these files; plain onnxruntime can."""


def write_model_card(
    task_dir: Path, manifest: dict[str, Any], results_root: Path | None = DEFAULT_RESULTS
) -> Path:
    """Write task_dir/README.md from `manifest` (atomically); latency from `results_root`'s
    newest run that timed these artifacts, if any."""
    from huggingface_hub import ModelCard

    latency = newest_latency(manifest, results_root) if results_root is not None else None
    content = f"---\n{card_data(manifest).to_yaml()}\n---\n\n{card_body(manifest, latency)}"
    card = ModelCard(content)
    path = task_dir / CARD
    with atomic_path(path) as tmp:
        card.save(tmp)
    return path


def card_data(manifest: dict[str, Any]) -> Any:
    """The card's YAML metadata: what the Hub indexes."""
    from huggingface_hub import EvalResult, ModelCardData

    model, task = manifest["model"], manifest["task"]
    tag = pipeline_tag(task["type"])
    dataset = task["hub_dataset"]
    rows = [("eager PyTorch", manifest["eager_metrics"])]
    rows += [(name, entry["metrics"]) for name, entry in manifest["artifacts"].items()]
    results = [
        EvalResult(
            task_type=tag,
            dataset_type=dataset,
            dataset_name=dataset,
            dataset_split="test",
            metric_type=metric,
            metric_name=f"{metric} ({source})",
            metric_value=float(value),
        )
        for source, metrics in rows
        for metric, value in metrics.items()
        if isinstance(value, float)  # counts such as masked_tokens are no metric
    ]
    formats = {FORMAT_NAMES.get(e["format"], e["format"]) for e in manifest["artifacts"].values()}
    tags = sorted({TAGS_BY_FORMAT.get(f, f) for f in formats})
    if any(e["precision"] != "fp32" for e in manifest["artifacts"].values()):
        tags += sorted({e["precision"] for e in manifest["artifacts"].values()} - {"fp32"})
    return ModelCardData(
        base_model=_base_model(model),
        datasets=[dataset],
        pipeline_tag=tag,
        library_name="transformers",
        tags=["squeezebert-mobile", *tags],
        model_name=f"{model['tag']}-{task['name']}",
        eval_results=results,
    )


def _base_model(model: dict[str, Any]) -> str | None:
    """The Hub id fine-tuned from; none for random weights or a local folder."""
    source = str(model.get("source", ""))
    if model.get("init") != "pretrained" or Path(source).exists() or source.count("/") != 1:
        return None
    return source


def card_body(manifest: dict[str, Any], latency: dict[str, Any] | None) -> str:
    model, task = manifest["model"], manifest["task"]
    primary = task["primary_metric"]
    lines = [
        f"# {model['tag']} / {task['name']}",
        "",
        f"{model['name']} ({'random weights' if model['init'] == 'random' else model['source']}"
        f"{', tiny config' if model.get('tiny') else ''}) fine-tuned for {task['name']} "
        f"({pipeline_tag(task['type'])}) on {task['hub_dataset']}, exported and verified "
        "against eager PyTorch by squeezebert-mobile. Test split: "
        f"{manifest['eval']['examples']} examples; eager {primary} "
        f"{manifest['eager_metrics'][primary]:.4f}.",
        "",
        "| file | format | precision | size MB | max abs diff | "
        f"{primary} | delta (pts) | flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, e in manifest["artifacts"].items():
        lines.append(
            f"| {name} | {e['format']} | {e['precision']} | {e['size_bytes'] / 1e6:.1f} | "
            f"{e['parity']['max_abs_diff']:.2e} | {e['metrics'][primary]:.4f} | "
            f"{e['metric_deltas_points'][primary]:+.2f} | {'yes' if e['flagged'] else 'no'} |"
        )
    if latency:
        lines += ["", f"## Latency ({latency['host']}, one thread, median ms)", ""]
        lengths = sorted({int(n) for row in latency["files"].values() for n in row})
        lines += ["| file | " + " | ".join(f"L={n}" for n in lengths) + " |"]
        lines += ["|---|" + "---|" * len(lengths)]
        for name, row in latency["files"].items():
            cells = " | ".join(f"{row[n]:.2f}" if n in row else "-" for n in lengths)
            lines.append(f"| {name} | {cells} |")
        lines += ["", f"From `{latency['results']}`."]
    lines += ["", "## Use", "", *_usage(task["type"])]
    return "\n".join(lines) + "\n"


def _usage(task_type: str) -> list[str]:
    lines = [
        "```python",
        "from export import load",
        "",
        'model = load(".", backend="onnx", precision="int8")',
        f"print(model({_EXAMPLES[pipeline_tag(task_type)]!r}))",
        "```",
        "",
        "The ONNX files take int64 `input_ids` and `attention_mask` `[batch, sequence]` "
        "(the folder's tokenizer) and return float32 `logits`; they run in plain onnxruntime "
        "(`onnxruntime.InferenceSession(path).run(None, inputs)`). The `.pte` and `.tflite` "
        "files are what the Android app runs (task.json tells it how).",
    ]
    if task_type == "fill-mask":
        lines += ["", MASK_POSITIONS_NOTE]
    return lines


_EXAMPLES = {
    "fill-mask": "I would like a cup of [MASK].",
    "text-classification": "Shares rose after the company reported record profits.",
    "token-classification": "Angela Merkel met Emmanuel Macron in Paris.",
}


def newest_latency(manifest: dict[str, Any], root: Path) -> dict[str, Any] | None:
    """Median latency per artifact and length from the newest results.json under `root` that
    timed one of these artifacts' exact bytes (sha256); None when no run did."""
    wanted = {e["sha256"]: name for name, e in manifest["artifacts"].items()}
    runs = sorted(root.glob("**/results.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in runs:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        files: dict[str, dict[int, float]] = {}
        for record in doc.get("records", []) if isinstance(doc, dict) else []:
            name = wanted.get(record.get("sha256"))
            median = record.get("metrics", {}).get("median_inference_latency(ms)")
            if name is not None and isinstance(median, (int, float)):
                files.setdefault(name, {})[int(record["seq_len"])] = float(median)
        if files:
            host = doc.get("host", {}).get("tag", path.parent.name)
            return {"host": host, "results": str(path), "files": files}
    return None
