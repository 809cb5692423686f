"""Fine-tuning on transformers' Trainer: seeded, learning, resumable, multi-process, devices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from transformers import TrainerCallback

from export.device import resolve_device
from export.models import build_task_model, load_tokenizer, resolve
from export.pipeline import auto_class, encode, load_task_data
from export.tasks import get_task
from export.train import WORK_DIR, RunOptions, TrainConfig, fine_tune

REPO = Path(__file__).resolve().parents[2]
CPU = RunOptions(resolve_device("cpu"))


class Setup:
    """A tiny random BERT and fixture features for one task."""

    def __init__(self, data_dir: Path, task: str, train_limit: int | None) -> None:
        self.task = get_task(task)
        self.spec = resolve("bert-base", "random", tiny=True)
        self.data = load_task_data(self.task, data_dir, 123, train_limit, None)
        self.tokenizer = load_tokenizer(self.spec.source, self.spec)
        self.features = encode(self.data, self.data.train, self.tokenizer, 123, "train")

    def train(
        self,
        work_dir: Path,
        config: TrainConfig,
        options: RunOptions = CPU,
        callbacks: tuple[TrainerCallback, ...] = (),
    ) -> tuple[torch.nn.Module, dict]:
        model = build_task_model(self.spec, auto_class(self.task), self.data.labels, config.seed)
        fingerprint = {"config": config.to_manifest()}
        result = fine_tune(
            model,
            self.task,
            self.features,
            config,
            self.tokenizer.pad_token_id,
            options,
            work_dir,
            fingerprint,
            callbacks=callbacks,
        )
        return model, result


@pytest.fixture(scope="module")
def ner(data_dir: Path) -> Setup:
    torch.set_num_threads(1)
    return Setup(data_dir, "ner", 64)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_two_runs_with_the_same_seed_give_identical_checkpoints(ner, tmp_path):
    config = TrainConfig(epochs=1, learning_rate=1e-3, max_steps=3)
    first, _ = ner.train(tmp_path / "a", config)
    second, _ = ner.train(tmp_path / "b", config)
    other, _ = ner.train(
        tmp_path / "c", TrainConfig(epochs=1, learning_rate=1e-3, max_steps=3, seed=7)
    )
    assert same_weights(first, second)
    assert not same_weights(first, other)  # the seed does reach the run


def test_trainer_decays_all_weights_but_biases_and_layernorm(ner):
    """The study's groups: the old loop exempted exactly the names ending like these."""
    from transformers import Trainer, TrainingArguments

    model = build_task_model(ner.spec, auto_class(ner.task), ner.data.labels, 123)
    args = TrainingArguments(output_dir="unused", use_cpu=True, report_to="none")
    decayed = set(Trainer(model=model, args=args).get_decay_parameter_names(model))
    no_decay = ("bias", "LayerNorm.weight")
    expected = {n for n, _ in model.named_parameters() if not n.endswith(no_decay)}
    assert decayed == expected


def test_a_tiny_model_learns_ner_beyond_the_majority_baseline(data_dir, tmp_path):
    from export.evaluate import eager_runner, evaluate, task_context
    from export.exportable import ExportableModel

    setup = Setup(data_dir, "ner", None)
    model, result = setup.train(tmp_path / "w", TrainConfig(epochs=4, learning_rate=3e-3))
    (_, first), (_, last) = result["losses"][0], result["losses"][-1]
    assert last < first / 2

    test = encode(setup.data, setup.data.test, setup.tokenizer, 123, "test")
    ctx = task_context(model, setup.task, setup.data.labels)
    run = eager_runner(ExportableModel(model).eval())
    metrics = evaluate(run, setup.task, test, ctx, setup.tokenizer.pad_token_id).metrics
    labels = [label for f in test for label in f.labels if label != -100]
    majority = Counter(labels).most_common(1)[0][1] / len(labels)
    assert metrics["token_accuracy"] > majority  # always predicting "O" would score exactly this
    assert metrics["entity_f1"] > 0.1  # ... and find no entity at all


class StopAfterSave(TrainerCallback):
    """Interrupt training right after the checkpoint at `step` is on disk, as Ctrl-C would."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_save(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise KeyboardInterrupt


def test_an_interrupted_fine_tune_resumes_at_its_checkpoint_and_ends_as_an_uninterrupted_one(
    ner, tmp_path
):
    config = TrainConfig(epochs=2, learning_rate=1e-3)  # 64 examples: 4 steps an epoch, 8 in all
    options = RunOptions(CPU.placement, save_steps=3)
    whole, whole_result = ner.train(tmp_path / "whole", config, options)

    work = tmp_path / "stopped"
    with pytest.raises(KeyboardInterrupt):
        ner.train(work, config, options, callbacks=(StopAfterSave(3),))
    checkpoints = sorted(p.name for p in work.glob("checkpoint-*"))
    assert checkpoints == ["checkpoint-3"]
    saved = {p.name for p in (work / "checkpoint-3").iterdir()}
    assert "model.safetensors" in saved and not saved & {"pytorch_model.bin", "model.bin"}

    resumed, result = ner.train(work, config, options)
    assert result["resumed_from_step"] == 3
    assert result["steps"] == whole_result["steps"] == 8
    assert same_weights(resumed, whole)  # same batches, same RNG: the very same model


def test_a_checkpoint_for_other_settings_is_not_resumed(ner, tmp_path):
    options = RunOptions(CPU.placement, save_steps=2)
    work = tmp_path / "w"
    with pytest.raises(KeyboardInterrupt):
        ner.train(work, TrainConfig(epochs=1, max_steps=4), options, (StopAfterSave(2),))
    _, result = ner.train(work, TrainConfig(epochs=1, max_steps=4, learning_rate=1e-4), options)
    assert result["resumed_from_step"] == 0 and result["steps"] == 4


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "export.build", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_cuda_without_cuda_is_a_one_line_error(tmp_path, data_dir):
    proc = cli("--model", "bert-base", "--init", "random", "--tiny", "--tasks", "ner",
               "--data-dir", str(data_dir), "--out", str(tmp_path), "--device", "cuda")  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--device cuda" in lines[0] and "--device cpu" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_two_processes_train_together_and_one_writes_verified_artifacts(tmp_path, data_dir):
    out = tmp_path / "out"
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "export.build", "--model", "bert-base", "--init", "random", "--tiny",
         "--tasks", "news", "--data-dir", str(data_dir), "--out", str(out),
         "--train-limit", "64", "--epochs", "3", "--eval-limit", "8",
         "--formats", "onnx", "--precisions", "fp32", "--threads", "1"],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    task_dir = out / "bert-base-random-tiny" / "news"
    assert sorted(p.name for p in out.rglob("manifest.json")) == ["manifest.json"]
    manifest = json.loads((task_dir / "manifest.json").read_text())
    training = manifest["training"]["result"]
    assert training["world_size"] == 2 and training["device"] == "cpu"
    # 64 examples, 16 per process and step, 2 processes: 2 steps an epoch. Step 5 is where
    # the processes agree on a checkpoint interval: a disagreement would hang the run.
    assert training["steps"] == 6
    assert list(manifest["artifacts"]) == ["bert_base_random_tiny_onnx_fp32.onnx"]
    assert (
        manifest["artifacts"]["bert_base_random_tiny_onnx_fp32.onnx"]["parity"]["max_abs_diff"]
        < 1e-3
    )
    assert not (task_dir / WORK_DIR).exists()
    assert not [p for p in task_dir.iterdir() if p.name.endswith(".tmp")]
    assert proc.stdout.count("| bert-base-random-tiny | news | eager |") == 1
