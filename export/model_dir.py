"""A local model folder, checked before anything in it is loaded: config.json is JSON with a
known model_type, its own Python code runs only when trusted, weights are safetensors (a
pickle can run code when loaded), every file is a regular file (symlinks resolved), and the
vocabulary fits the embedding table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from export.errors import ConfigError, ModelLoadError

_PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth")


def check_model_dir(path: Path, trust_remote_code: bool, needs_weights: bool) -> None:
    """config.json is JSON with a known model_type, remote code only when trusted, and weights
    only as safetensors (a pickle can run code when it is loaded)."""
    from transformers import CONFIG_MAPPING

    check_regular_files(path)
    config = _read_json_file(path / "config.json")
    check_vocab_size(path, config)
    remote = refuse_remote_code(path, trust_remote_code)
    model_type = config.get("model_type")
    if not remote and model_type not in CONFIG_MAPPING:
        raise ConfigError(
            f"{path / 'config.json'}: unknown model_type {model_type!r}: set it to an "
            "architecture transformers knows (e.g. bert, squeezebert) or upgrade transformers"
        )
    if needs_weights and not any(path.glob("*.safetensors")):
        pickles = [f for f in _PICKLE_WEIGHTS if (path / f).is_file()]
        if pickles:
            raise ModelLoadError(
                f"{path / pickles[0]} is a pickle, which can run code when loaded, and the "
                "folder has no model.safetensors: convert the weights to safetensors "
                "(save_pretrained(..., safe_serialization=True) in a trusted session)"
            )


def check_regular_files(path: Path) -> None:
    """Every file of the folder, symlinks resolved, is a regular file (a link to /dev/zero,
    a FIFO or a dangling link is refused by name), and every .safetensors file starts with a
    safetensors header (else the library raises its own error, or reads forever)."""
    for entry in sorted(path.iterdir()):
        target = entry.resolve() if entry.is_symlink() else entry
        if entry.is_symlink() and not target.exists():
            raise ModelLoadError(f"{entry} is a link to {target}, which does not exist: fix it")
        if not target.is_dir() and not target.is_file():
            raise ModelLoadError(
                f"{entry} is not a regular file ({target}): replace it with the real file"
            )
        if entry.suffix == ".safetensors" and not _safetensors_header(target):
            raise ModelLoadError(
                f"{entry} is not a safetensors file (no valid header): replace it with the "
                "model's weights (save_pretrained writes them)"
            )


def _safetensors_header(path: Path) -> bool:
    """A safetensors file opens with an 8-byte little-endian length and that much JSON."""
    import json

    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(8)
        length = int.from_bytes(head, "little") if len(head) == 8 else 0
        if not 2 <= length <= size - 8:
            return False
        try:
            return isinstance(json.loads(handle.read(length)), dict)
        except ValueError:
            return False


def check_vocab_size(path: Path, config: dict[str, Any]) -> None:
    """The tokenizer's vocabulary (vocab.txt, else tokenizer.json) must fit the embedding
    table the config declares: a larger one indexes past it (transformers' shape-mismatch
    traceback, or an index error later)."""
    declared = config.get("vocab_size")
    if not isinstance(declared, int):
        return
    tokens, source = vocabulary_size(path)
    if tokens is not None and tokens > declared:
        raise ConfigError(
            f"{path / 'config.json'}: vocab_size {declared} is smaller than {source}'s "
            f"{tokens} tokens: set vocab_size to {tokens} or use the tokenizer the model "
            "was trained with"
        )


def vocabulary_size(path: Path) -> tuple[int | None, str]:
    """Tokens in the folder's vocab.txt or tokenizer.json (None when it has neither)."""
    vocab = path / "vocab.txt"
    if vocab.is_file():
        with open(vocab, encoding="utf-8", errors="replace") as handle:
            return sum(1 for _ in handle), "vocab.txt"
    tokenizer = path / "tokenizer.json"
    if tokenizer.is_file():
        model = _read_json_file(tokenizer).get("model")
        table = model.get("vocab") if isinstance(model, dict) else None
        if isinstance(table, dict | list):
            return len(table), "tokenizer.json"
    return None, ""


def refuse_remote_code(path: Path, trust_remote_code: bool) -> bool:
    """True when the folder names its own Python code (auto_map); an error unless trusted.

    transformers would ask [y/N] on the terminal, or quietly fall back to its own class."""
    remote = [f for f in ("config.json", "tokenizer_config.json") if _has_auto_map(path / f)]
    if remote and not trust_remote_code:
        raise ConfigError(
            f"{path / remote[0]} asks to run the folder's own Python code (auto_map): refused; "
            "only export.build --trust-remote-code runs it, and only if you trust that code"
        )
    return bool(remote)


def _read_json_file(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}): fix or replace it") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}): fix or replace the file"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object, got {type(data).__name__}: fix it")
    return data


def _has_auto_map(path: Path) -> bool:
    return path.is_file() and "auto_map" in _read_json_file(path)
