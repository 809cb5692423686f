"""Generate the character tables the Java WordPiece tokenizer uses, from Hugging Face tokenizers.

Why a generated table instead of java.lang.Character: the reference tokenizer (the Rust
`tokenizers` crate behind `transformers.AutoTokenizer`) classifies characters with its own,
older Unicode tables (for example U+166D counts as punctuation, and marks added after Unicode 9
are not stripped), while the JVM and every Android release ship a different Unicode version.
Probing the reference once per code point and shipping the answers makes the Java tokenizer
give the same ids on every JVM and phone.

Every entry is observed from the reference, one code point at a time:

- `drop` / `space`: what BertNormalizer's clean_text removes, and what it turns into " ".
- `cjk`: what handle_chinese_chars surrounds with spaces.
- `nfd`: the canonical decomposition (NFD) of each code point (Hangul syllables are left to the
  algorithm of Unicode section 3.12, which the generator checks against the reference).
- `ccc`: non-zero canonical combining classes the reference reorders by (the value comes from
  Python's unicodedata; the reference is probed for whether it knows the mark at all).
- `mn`: the non-spacing marks that accent stripping removes (code points without decomposition).
- `lower` / `lower_seq`: the reference's lower-casing, as arithmetic runs and multi-char outputs.
- `punct` / `ws`: what BertPreTokenizer isolates as punctuation, and splits on as whitespace.

Usage: python android_app/tools/make_unicode_tables.py [--out FILE] [--check]
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import tokenizers
from tokenizers import normalizers, pre_tokenizers

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = (
    REPO
    / "android_app/core/src/main/resources/org/squeezebertmobile/core/tokenizer"
    / "bert_unicode_tables.txt"
)
MAX_CODE_POINT = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
PROBE_LOW_CCC = "\u0334"  # COMBINING TILDE OVERLAY, ccc 1
PROBE_HIGH_CCC = "\u0301"  # COMBINING ACUTE ACCENT, ccc 230
#: Multi-character strings whose marks the reference reorders (ccc 216/226, 1/230, 220/230).
REORDER_SAMPLES = (
    "\U0001d16d\U0001d165x",
    "x\u0301\u0334y",
    "A\u0308\u0323\u1e9b\u0323",
    "\u0dda\u0dca\u0f73\u0f71",
    "\u302e\u302f\u0301\u302e",
)


def code_points() -> Iterable[int]:
    """Every Unicode scalar value (surrogates cannot enter a Rust string)."""
    return (c for c in range(MAX_CODE_POINT + 1) if not 0xD800 <= c <= 0xDFFF)


def ranges(members: Iterable[int]) -> list[tuple[int, int]]:
    """Collapse sorted code points into inclusive [start, end] runs."""
    out: list[tuple[int, int]] = []
    for c in sorted(members):
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def hangul_nfd(c: int) -> str:
    """Unicode 3.12 algorithmic decomposition of a precomposed Hangul syllable."""
    index = c - HANGUL_FIRST
    lead, vowel, trail = 0x1100 + index // 588, 0x1161 + (index % 588) // 28, index % 28
    return chr(lead) + chr(vowel) + (chr(0x11A7 + trail) if trail else "")


def bert(clean: bool, cjk: bool, strip: bool, lower: bool) -> Callable[[str], str]:
    return normalizers.BertNormalizer(
        clean_text=clean, handle_chinese_chars=cjk, strip_accents=strip, lowercase=lower
    ).normalize_str


def lower_runs(mapping: dict[int, int]) -> list[tuple[int, int, int, int]]:
    """(start, end, step, delta) runs: every step-th code point in [start, end] maps to c+delta."""
    runs: list[tuple[int, int, int, int]] = []
    for c in sorted(mapping):
        delta = mapping[c] - c
        if runs:
            start, end, step, run_delta = runs[-1]
            if run_delta == delta and start == end and c - end in (1, 2):
                runs[-1] = (start, c, c - end, delta)
                continue
            if run_delta == delta and c - end == step:
                runs[-1] = (start, c, step, delta)
                continue
        runs.append((c, c, 1, delta))
    return runs


def hexes(text: str) -> str:
    return " ".join(f"{ord(ch):04X}" for ch in text)


class Tables:
    """The probed answers, as sets and maps keyed by code point."""

    def __init__(self) -> None:
        self.drop: set[int] = set()
        self.space: set[int] = set()
        self.cjk: set[int] = set()
        self.mn: set[int] = set()
        self.punct: set[int] = set()
        self.ws: set[int] = set()
        self.nfd: dict[int, str] = {}
        self.ccc: dict[int, int] = {}
        self.lower_single: dict[int, int] = {}
        self.lower_multi: dict[int, str] = {}

    def decompose(self, c: int) -> str:
        if HANGUL_FIRST <= c <= HANGUL_LAST:
            return hangul_nfd(c)
        return self.nfd.get(c, chr(c))

    def lower(self, c: int) -> str:
        if c in self.lower_multi:
            return self.lower_multi[c]
        return chr(self.lower_single.get(c, c))

    def normalize(self, text: str) -> str:
        """The pipeline the Java side implements: clean, CJK, NFD, strip marks, lower-case."""
        spaced = []
        for ch in text:
            c = ord(ch)
            if c in self.drop:
                continue
            if c in self.space:
                spaced.append(" ")
            elif c in self.cjk:
                spaced += [" ", ch, " "]
            else:
                spaced.append(ch)
        decomposed = [x for piece in spaced for x in self.decompose(ord(piece))]
        ordered = canonical_order(decomposed, self.ccc)
        return "".join(self.lower(ord(x)) for x in ordered if ord(x) not in self.mn)


def canonical_order(chars: list[str], ccc: dict[int, int]) -> list[str]:
    """Stable sort of each run of non-starters by combining class (Unicode 3.11)."""
    result: list[str] = []
    run: list[str] = []
    for ch in chars:
        if ccc.get(ord(ch), 0):
            run.append(ch)
            continue
        result += sorted(run, key=lambda x: ccc[ord(x)])
        run = []
        result.append(ch)
    return result + sorted(run, key=lambda x: ccc[ord(x)])


def probe() -> Tables:
    clean = bert(True, False, False, False)
    cjk = bert(False, True, False, False)
    strip = bert(False, False, True, False)
    nfd = normalizers.NFD().normalize_str
    lower = normalizers.Lowercase().normalize_str
    pre_tokenize = pre_tokenizers.BertPreTokenizer().pre_tokenize_str
    t = Tables()
    for c in code_points():
        ch = chr(c)
        cleaned = clean(ch)
        if cleaned == "":
            t.drop.add(c)
        elif cleaned == " " and ch != " ":
            t.space.add(c)
        elif cleaned != ch:
            raise SystemExit(f"clean_text maps U+{c:04X} to {cleaned!r}: extend the table format")
        if cjk(ch) == f" {ch} ":
            t.cjk.add(c)
        decomposed = nfd(ch)
        if HANGUL_FIRST <= c <= HANGUL_LAST:
            if decomposed != hangul_nfd(c):
                raise SystemExit(f"the reference decomposes Hangul U+{c:04X} differently")
        elif decomposed != ch:
            t.nfd[c] = decomposed
        elif strip(ch) == "":
            t.mn.add(c)
        lowered = lower(ch)
        if len(lowered) == 1 and lowered != ch:
            t.lower_single[c] = ord(lowered)
        elif len(lowered) > 1:
            t.lower_multi[c] = lowered
        pieces = [p for p, _ in pre_tokenize(f"a{ch}a")]
        if pieces == ["a", ch, "a"]:
            t.punct.add(c)
        elif pieces == ["a", "a"]:
            t.ws.add(c)
        value = unicodedata.combining(ch)
        if value and c not in t.nfd:
            # Does the reference know this mark? Only then does it reorder around it.
            if value > 1:
                known = nfd(ch + PROBE_LOW_CCC) == PROBE_LOW_CCC + ch
            else:
                known = nfd(PROBE_HIGH_CCC + ch) == ch + PROBE_HIGH_CCC
            if known:
                t.ccc[c] = value
    return t


def verify(t: Tables) -> None:
    """Every code point through the Java pipeline must equal the reference BertNormalizer."""
    full = bert(True, True, True, True)
    for c in code_points():
        ch = chr(c)
        if full(ch) != t.normalize(ch):
            raise SystemExit(
                f"U+{c:04X}: the tables give {t.normalize(ch)!r}, BertNormalizer {full(ch)!r}"
            )
    for sample in REORDER_SAMPLES:
        if full(sample) != t.normalize(sample):
            raise SystemExit(
                f"{sample!r}: the tables give {t.normalize(sample)!r}, "
                f"BertNormalizer {full(sample)!r}"
            )


def build_tables() -> str:
    t = probe()
    verify(t)
    lines = [
        "# Character tables of the BERT WordPiece tokenizer (Java core).",
        "# Generated by android_app/tools/make_unicode_tables.py from Hugging Face tokenizers "
        f"{tokenizers.__version__}.",
        "# Do not edit: regenerate. Format: KIND HEX [HEX ...]; ranges are inclusive.",
    ]
    for kind, members in (
        ("drop", t.drop),
        ("space", t.space),
        ("cjk", t.cjk),
        ("mn", t.mn),
        ("punct", t.punct),
        ("ws", t.ws),
    ):
        lines += [f"{kind} {a:04X} {b:04X}" for a, b in ranges(members)]
    lines += [f"nfd {c:04X} {hexes(d)}" for c, d in sorted(t.nfd.items())]
    for value in sorted(set(t.ccc.values())):
        members = [c for c, v in t.ccc.items() if v == value]
        lines += [f"ccc {a:04X} {b:04X} {value}" for a, b in ranges(members)]
    lines += [
        f"lower {a:04X} {b:04X} {step} {delta}" for a, b, step, delta in lower_runs(t.lower_single)
    ]
    lines += [f"lower_seq {c:04X} {hexes(s)}" for c, s in sorted(t.lower_multi.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="table file to write")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from a fresh build"
    )
    args = parser.parse_args(argv)
    text = build_tables()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if body(current) != body(text):
            print(
                f"{args.out} is stale: rerun android_app/tools/make_unicode_tables.py",
                file=sys.stderr,
            )
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.splitlines())} lines)")
    return 0


def body(text: str) -> list[str]:
    """Table lines without comments, so a tokenizers upgrade alone does not mark it stale."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


if __name__ == "__main__":
    sys.exit(main())
