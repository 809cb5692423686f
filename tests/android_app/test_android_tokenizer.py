"""The Android app's Java WordPiece tokenizer against the Hugging Face tokenizer.

The JVM tests (android_app/core/bin/test) check the Java tokenizer against the checked-in golden
vectors; these tests keep those vectors honest (regenerated from Hugging Face and compared) and
run the `wordpiece` command-line tool on the same texts.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "android_app" / "tools"
FIXTURES = REPO / "tests" / "fixtures" / "android"
WORDPIECE = REPO / "android_app" / "core" / "bin" / "wordpiece"
TABLES = (
    REPO
    / "android_app/core/src/main/resources/org/squeezebertmobile/core/tokenizer"
    / "bert_unicode_tables.txt"
)


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"android_tools_{name}", TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


make_golden = load_tool("make_golden")
make_unicode_tables = load_tool("make_unicode_tables")

needs_jdk = pytest.mark.skipif(
    shutil.which("javac") is None, reason="the wordpiece CLI needs a JDK (javac) on PATH"
)


@pytest.fixture(scope="module")
def reference():
    return make_golden.reference_tokenizer()


@pytest.fixture(scope="module")
def golden_records() -> list[dict]:
    text = (FIXTURES / "tokenizer_golden.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def run_wordpiece(lines: list[str], *args: str) -> subprocess.CompletedProcess[bytes]:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return subprocess.run(
        [str(WORDPIECE), *args], input=data, capture_output=True, timeout=600, check=False
    )


def test_golden_fixture_is_what_hugging_face_produces_today(reference, golden_records):
    """Re-tokenize the fixture's own texts, so a plain clone checks it without shared/data."""
    lines = [(r["source"], r["text"], r["max_length"]) for r in golden_records]
    fresh = make_golden.build_records(reference, lines)
    for new, old in zip(fresh, golden_records, strict=True):
        assert new == old, f"stale golden record {old['source']}: rerun make_golden.py"


def test_golden_fixture_covers_every_required_kind_of_text(golden_records):
    sources = [r["source"] for r in golden_records]
    for prefix in ("conll2003/", "news/", "dailydialog/", "random#"):
        assert any(s.startswith(prefix) for s in sources), prefix
    hard = {s.removeprefix("hard/") for s in sources if s.startswith("hard/")}
    for case in (
        "accents",
        "stacked-marks",
        "cjk",
        "emoji",
        "arabic",
        "devanagari",
        "thai",
        "zero-width",
        "bell-nul-esc",
        "word-101",
        "empty",
        "spaces",
        "truncate-2",
    ):
        assert case in hard, case
    truncated = [r for r in golden_records if len(r["input_ids"]) == r["max_length"]]
    assert len(truncated) >= 10, "too few golden records exercise truncation"
    astral = [r for r in golden_records if any(ord(c) > 0xFFFF for c in r["text"])]
    assert len(astral) >= 10, "too few golden records have characters outside the BMP"


def test_vocab_fixture_is_byte_identical_to_the_reference_vocab():
    reference_vocab = make_golden.reference_dir() / "vocab.txt"
    assert (FIXTURES / "vocab.txt").read_bytes() == reference_vocab.read_bytes()


def test_unicode_tables_resource_matches_a_fresh_probe_of_the_reference():
    fresh = make_unicode_tables.build_tables()
    current = TABLES.read_text(encoding="utf-8")
    assert make_unicode_tables.body(current) == make_unicode_tables.body(fresh), (
        "bert_unicode_tables.txt is stale: rerun android_app/tools/make_unicode_tables.py"
    )


@needs_jdk
def test_wordpiece_cli_ids_equal_hugging_face_on_the_golden_texts(reference, golden_records):
    # Lines cannot carry CR/LF through a line-based pipe; those texts are covered by the JVM tests.
    by_length: dict[int, list[str]] = {}
    for record in golden_records:
        if "\n" not in record["text"] and "\r" not in record["text"]:
            by_length.setdefault(record["max_length"], []).append(record["text"])
    assert sum(len(v) for v in by_length.values()) > 300
    for max_length, texts in sorted(by_length.items()):
        result = run_wordpiece(
            texts, "--vocab", str(FIXTURES / "vocab.txt"), "--max-length", str(max_length)
        )
        assert result.returncode == 0, result.stderr.decode()
        got = [[int(t) for t in line.split()] for line in result.stdout.decode().split("\n")[:-1]]
        expected = reference(texts, truncation=True, max_length=max_length)["input_ids"]
        assert len(got) == len(texts)
        for text, java_ids, hf_ids in zip(texts, got, expected, strict=True):
            assert java_ids == hf_ids, f"{text!r} (max_length {max_length})"


#: Astral blocks probed completely: emoji and symbols, musical symbols (reordered marks), CJK
#: extension B's start, tags, and the private-use / noncharacter ends of planes 15 and 16.
ASTRAL_BLOCKS = [
    (0x1D100, 0x1D200),
    (0x1F000, 0x1FB00),
    (0x20000, 0x20100),
    (0xE0000, 0xE0080),
    (0xF0000, 0xF0010),
    (0x10FFF0, 0x110000),
]


def probe_code_points() -> list[int]:
    """Every BMP scalar value, the astral blocks above, and every 61st other astral one."""
    cps = {c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF}
    cps |= set(range(0x10000, 0x110000, 61))
    for start, end in ASTRAL_BLOCKS:
        cps |= set(range(start, end))
    return sorted(cps - {0x0A, 0x0D})


@needs_jdk
def test_wordpiece_cli_ids_equal_hugging_face_for_each_character_between_letters(reference):
    # One character per line between two letters exercises each entry of the character tables
    # (cleaning, CJK, decomposition, marks, case, punctuation) through the real CLI.
    lines = [f"a{chr(c)}b" for c in probe_code_points()]
    result = run_wordpiece(lines, "--vocab", str(FIXTURES / "vocab.txt"))
    assert result.returncode == 0, result.stderr.decode()
    got = result.stdout.decode().split("\n")[:-1]
    expected = reference(lines)["input_ids"]
    assert len(got) == len(lines)
    mismatches = [
        f"U+{ord(line[1]):04X}: java {java} hf {hf}"
        for line, java, hf in zip(lines, got, expected, strict=True)
        if [int(t) for t in java.split()] != hf
    ]
    assert not mismatches, mismatches[:10]


@needs_jdk
def test_wordpiece_cli_missing_vocab_is_a_one_line_error_naming_the_fix(tmp_path):
    result = run_wordpiece(["hello"], "--vocab", str(tmp_path / "nope.txt"))
    assert result.returncode == 2
    message = result.stderr.decode().strip()
    assert len(message.splitlines()) == 1
    assert "nope.txt" in message and "--vocab" in message


@needs_jdk
def test_wordpiece_cli_bad_max_length_is_a_usage_error():
    result = run_wordpiece(["hello"], "--vocab", str(FIXTURES / "vocab.txt"), "--max-length", "x")
    assert result.returncode == 2
    assert "--max-length must be an integer" in result.stderr.decode()
