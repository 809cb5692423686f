"""Which fixed lengths each artifact is timed at (runtime_bench.artifacts.check_seq_lens)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime_bench.artifacts import (
    ArtifactSpec,
    check_seq_lens,
    lengths_of,
    memory_lengths,
    runs_at,
)
from runtime_bench.errors import BenchError


def spec(backend: str, max_seq_len: int, signatures: tuple[int, ...] = ()) -> ArtifactSpec:
    return ArtifactSpec(
        "squeezebert", "squeezebert-random", "ner", backend, "int8", Path("/x"), "f", 1, "0",
        max_seq_len, signatures,
    )  # fmt: skip


def test_a_static_artifact_skips_lengths_it_has_no_signature_for_even_past_its_longest() -> None:
    pte = spec("executorch", 512)
    stock = spec("litert-stock", 128, (128,))
    warnings = check_seq_lens([pte, stock], [32, 128, 300])
    assert warnings == [
        "squeezebert-random/ner/litert-stock/int8 has signatures for lengths 128 only: not timed "
        "at 32,300 (padding would time a longer input); rebuild it with --static-lengths "
        "including 32 to time it there"
    ]
    assert [n for n in (32, 128, 300) if runs_at(stock, n)] == [128]
    assert lengths_of(pte, [32, 300]) == [32, 300]
    assert lengths_of(stock, [32, 300]) == [128]  # none of them: its smallest signature
    # the memory probe runs a static file at every signature it holds, a dynamic one as asked
    litert = spec("litert", 100, (10, 17, 100))
    assert lengths_of(litert, [32, 300]) == [10]
    assert memory_lengths(litert, [32, 300]) == [10, 17, 100]
    assert memory_lengths(pte, [32, 300]) == [32, 300]


def test_a_dynamic_artifact_refuses_a_length_past_its_maximum() -> None:
    with pytest.raises(BenchError, match=r"sequence length 600 exceeds .*'s maximum 512"):
        check_seq_lens([spec("onnx", 512)], [128, 600])


def test_a_length_no_selected_artifact_can_run_is_refused() -> None:
    with pytest.raises(BenchError, match="no selected artifact has a signature for length 32"):
        check_seq_lens([spec("litert", 128, (64, 128))], [32, 128])
