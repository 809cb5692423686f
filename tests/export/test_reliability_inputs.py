"""Issue 26, every input normalised or refused: BOMs, non-IOB2 tags, thin news labels, seeds,
unreadable files, hostile model folders, bench_inputs.json, runtime_bench's seconds options.

Each test is named after the issue's case it covers; each failed on the code before the fix.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_build_cli import BASE, assert_one_line_error, run_cli

from export.tasks.ner import read_conll
from export.tasks.news import read_news_csv, split_articles
from runtime_bench.cli import main as bench_main

REPO = Path(__file__).resolve().parents[2]
BOM = "\ufeff"
#: what a build that should have been refused gets through quickly on the old code
FAST = ("--formats", "onnx", "--precisions", "fp32")


# --- case 7: a UTF-8 byte-order mark ----------------------------------------------------------


def test_case7_a_bom_before_docstart_adds_no_fake_sentence(data_copy):
    path = data_copy / "conll2003" / "test.txt"
    plain = read_conll(path)
    path.write_text(BOM + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_conll(path) == plain
    assert not any(BOM in word for words, _ in read_conll(path) for word in words)


def test_case7_a_news_csv_with_a_bom_reads_as_without(data_copy):
    path = data_copy / "news" / "bbc_news.csv"
    plain = read_news_csv(path)
    path.write_text(BOM + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_news_csv(path) == plain


# --- case 8: non-IOB2 tags, a news label too thin for validation and test -----------------------


def test_case8_a_non_iob2_tag_is_refused_naming_file_and_line(capsys, tmp_path, data_copy):
    path = data_copy / "conll2003" / "train.txt"
    lines = path.read_text().splitlines(keepends=True)
    number = next(
        i for i, line in enumerate(lines) if line.rstrip().endswith(" O") and "DOCSTART" not in line
    )
    lines[number] = lines[number].rstrip()[:-1] + "X-FOO\n"
    path.write_text("".join(lines))
    args = [*BASE, "--model", "bert-base", "--tasks", "ner", "--data-dir", str(data_copy), *FAST]
    code, err = run_cli(capsys, tmp_path, *args)
    assert_one_line_error(code, err, f"train.txt:{number + 1}: tag 'X-FOO' is not IOB2")
    assert not (tmp_path / "out").exists()


def test_case8_a_news_label_with_two_rows_is_refused_not_left_out_of_test(tmp_path):
    from export.errors import DataError

    articles = [(f"article {i} about business", "business") for i in range(40)]
    articles += [("one rare article", "rare"), ("another rare article", "rare")]
    with pytest.raises(DataError, match=r"label 'rare' has 2 row\(s\).*(validation|test) split"):
        split_articles(articles, seed=123, source="bbc_news.csv")


def test_case8_the_real_news_excerpt_still_splits_with_every_label_everywhere(data_dir):
    splits = split_articles(read_news_csv(data_dir / "news" / "bbc_news.csv"), seed=123)
    labels = {label for _, label in splits["train"]}
    assert all({label for _, label in rows} == labels for rows in splits.values())


# --- case 9: seeds, unreadable files ------------------------------------------------------------


def test_case9_a_seed_beyond_numpys_range_is_one_line(capsys, tmp_path, data_dir):
    args = [*BASE, "--model", "bert-base", "--tasks", "ner", "--data-dir", str(data_dir)]
    code, err = run_cli(capsys, tmp_path, *args, "--seed", str(2**32))
    assert_one_line_error(code, err, "--seed must be at most 4294967295")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="needs a POSIX user switch")
def test_case9_an_unreadable_data_file_is_one_line(tmp_path, data_dir):
    """A copy of the data with one file unreadable (root: run without its override)."""
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    (data / "conll2003" / "train.txt").chmod(0o000)
    cmd = [sys.executable, "-m", "export.build", *BASE, "--model", "bert-base", "--tasks", "ner",
           "--data-dir", str(data), "--out", str(tmp_path / "out"), *FAST]  # fmt: skip
    if os.getuid() == 0:  # root reads anything: drop the capabilities that let it
        if shutil.which("capsh") is None:
            pytest.skip("running as root without capsh to drop CAP_DAC_OVERRIDE")
        drop = "--drop=cap_dac_override,cap_dac_read_search"
        cmd = ["capsh", drop, "--", "-c", shlex.join(cmd)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=REPO)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode != 0 and len(lines) == 1, proc.stderr[-3000:]
    assert "train.txt is not readable (permission denied)" in lines[0]


# --- case 9: hostile model folders --------------------------------------------------------------


@pytest.fixture
def tiny_model_folder(tmp_path: Path) -> Path:
    """A real tiny BERT folder (config, safetensors weights, vocab) as save_pretrained writes."""
    from tinybuilds import DATA
    from transformers import AutoModelForTokenClassification

    from export.models import build_task_model, load_tokenizer, resolve
    from export.pipeline import load_task_data
    from export.tasks import get_task

    spec = resolve("bert-base", "random", tiny=True)
    labels = load_task_data(get_task("ner"), DATA, 123, 8, 8).labels
    model = build_task_model(spec, AutoModelForTokenClassification, labels, 1)
    folder = tmp_path / "runA" / "checkpoint"
    model.save_pretrained(folder)
    load_tokenizer(spec.source, spec).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("target", ["/dev/zero", "text"])
def test_case9_weights_linked_to_a_device_or_text_file_are_one_line(
    capsys, tmp_path, data_dir, tiny_model_folder, target
):
    weights = tiny_model_folder / "model.safetensors"
    weights.unlink()
    if target == "text":
        (tmp_path / "notes.txt").write_text("not weights at all\n" * 10)
        target = str(tmp_path / "notes.txt")
    weights.symlink_to(target)
    args = ["--model", str(tiny_model_folder), "--tasks", "ner", "--data-dir", str(data_dir)]
    code, err = run_cli(capsys, tmp_path, *args, "--train-limit", "8", "--eval-limit", "4", *FAST)
    expected = "not a regular file" if target == "/dev/zero" else "not a safetensors file"
    assert_one_line_error(code, err, expected)
    assert "model.safetensors" in err


def test_case9_a_config_vocab_smaller_than_vocab_txt_is_one_line(
    capsys, tmp_path, data_dir, tiny_model_folder
):
    config_path = tiny_model_folder / "config.json"
    config = json.loads(config_path.read_text())
    config["vocab_size"] = 1000
    config_path.write_text(json.dumps(config))
    args = ["--model", str(tiny_model_folder), "--tasks", "ner", "--data-dir", str(data_dir)]
    code, err = run_cli(capsys, tmp_path, *args, "--train-limit", "8", "--eval-limit", "4", *FAST)
    assert_one_line_error(
        code, err, "vocab_size 1000 is smaller than tokenizer.json's 30522 tokens"
    )


# --- runtime_bench: seconds options, bench_inputs.json -----------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [("--adb-timeout", "nan"), ("--adb-timeout", "inf"), ("--poll-interval", "nan")],
)
def test_case9_nan_or_inf_seconds_are_refused_in_one_line(capsys, tmp_path, option, value):
    code = bench_main(["--artifacts", str(tmp_path), "--out", str(tmp_path / "r"), option, value])
    err = capsys.readouterr().err
    assert_one_line_error(code, err, f"finite numbers of seconds (got {option} {value})")


def contract_folder(tmp_path: Path, tokenizer, task_name: str) -> tuple[Path, dict]:
    """A task folder's vocab.txt and bench_inputs.json, written by the build's own code from
    the real-data excerpts; returns the folder and the parsed bench_inputs.json."""
    from tinybuilds import DATA

    from export.pipeline import encode, load_task_data, write_contract_files
    from export.tasks import get_task

    data = load_task_data(get_task(task_name), DATA, 123, 8, 8)
    features = encode(data, data.test, tokenizer, 123, "test")
    task_dir = tmp_path / task_name
    task_dir.mkdir()
    write_contract_files(task_dir, data, tokenizer, features, 512, {})
    return task_dir, json.loads((task_dir / "bench_inputs.json").read_text())


def test_case10_an_out_of_vocabulary_id_is_blamed_on_bench_inputs_json(tmp_path, tokenizer):
    from runtime_bench.errors import BenchError
    from runtime_bench.measure.inputs import load_examples

    task_dir, doc = contract_folder(tmp_path, tokenizer, "ner")
    assert len(load_examples(task_dir)) == len(doc["examples"])  # as written: accepted
    doc["examples"][3]["input_ids"][2] = 40000
    (task_dir / "bench_inputs.json").write_text(json.dumps(doc))
    with pytest.raises(BenchError, match=r"bench_inputs\.json: example 4 has token id 40000"):
        load_examples(task_dir)


def test_case8_mask_positions_into_padding_are_refused(tmp_path, tokenizer):
    from runtime_bench.errors import BenchError
    from runtime_bench.measure.inputs import load_examples

    task_dir, doc = contract_folder(tmp_path, tokenizer, "mlm")
    assert len(load_examples(task_dir)) == len(doc["examples"])
    example = doc["examples"][0]
    example["mask_positions"][0] = len(example["input_ids"]) + 5  # past the last real token
    (task_dir / "bench_inputs.json").write_text(json.dumps(doc))
    with pytest.raises(BenchError, match=r"example 1 has mask position .*padding"):
        load_examples(task_dir)
