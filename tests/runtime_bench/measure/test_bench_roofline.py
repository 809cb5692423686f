"""runtime_bench.measure.roofline: FLOP counting, the floor formula and the matmul microbenchmark."""

from __future__ import annotations

import pytest
import torch

from runtime_bench.measure.roofline import FlopCount, count_flops, floor_ms, measure_peaks


class TinyEncoder(torch.nn.Module):
    """Embedding, one projection, explicit attention matmuls: FLOPs known in closed form."""

    def __init__(self, hidden: int = 8, explicit_attention: bool = True) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(200, hidden)
        self.proj = torch.nn.Linear(hidden, hidden)
        self.explicit_attention = explicit_attention

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.proj(self.embed(input_ids))
        if not self.explicit_attention:
            return x
        scores = torch.matmul(x, x.transpose(1, 2))
        return torch.matmul(scores, x)


def test_weight_and_attention_flops_are_counted_separately() -> None:
    count = count_flops(TinyEncoder(hidden=8), seq_len=16)
    assert count.weight_flops == 2 * 16 * 8 * 8
    assert count.attention_flops == 2 * (2 * 16 * 16 * 8)
    assert count.attention_source == "counted"


def test_the_cpu_fused_attention_kernel_is_counted_as_attention() -> None:
    class SdpaEncoder(TinyEncoder):
        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            x = self.proj(self.embed(input_ids)).view(1, -1, 2, 4).transpose(1, 2)  # 2 heads
            return torch.nn.functional.scaled_dot_product_attention(x, x, x)

    count = count_flops(SdpaEncoder(hidden=8), seq_len=16)
    assert count.attention_flops == 4 * 16 * 16 * 8
    assert count.attention_source == "counted"


class HFEncoder(torch.nn.Module):
    """A transformers encoder called the way count_flops calls the exporters' wrappers."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model.eval()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def test_mobilebert_attention_is_counted_at_its_bottleneck_width_not_its_hidden_size() -> None:
    from transformers import MobileBertConfig, MobileBertModel

    config = MobileBertConfig(
        vocab_size=200, hidden_size=64, embedding_size=16, intra_bottleneck_size=16,
        num_attention_heads=4, intermediate_size=16, num_hidden_layers=2,
    )  # fmt: skip
    count = count_flops(HFEncoder(MobileBertModel(config)), seq_len=16)
    assert count.attention_flops == 4 * 16 * 16 * config.true_hidden_size * 2
    assert config.true_hidden_size == 16 != config.hidden_size


def test_distilbert_flops_need_none_of_the_bert_config_names() -> None:
    from transformers import DistilBertConfig, DistilBertModel

    config = DistilBertConfig(vocab_size=200, dim=32, hidden_dim=64, n_layers=3, n_heads=4)
    count = count_flops(HFEncoder(DistilBertModel(config)), seq_len=16)
    assert count.attention_flops == 4 * 16 * 16 * 32 * 3
    per_layer_linear = 2 * 16 * (4 * 32 * 32 + 2 * 32 * 64)  # q, k, v, out + the two FFN layers
    assert count.weight_flops == 3 * per_layer_linear


def test_int8_floor_puts_weight_gemms_at_the_int8_peak_and_attention_at_fp32() -> None:
    flops = FlopCount(seq_len=8, weight_flops=4e9, attention_flops=1e9, attention_source="counted")
    peaks = {"fp32": 100.0, "int8": 400.0}
    assert floor_ms(flops, "fp32", peaks) == pytest.approx(50.0)
    assert floor_ms(flops, "int8", peaks) == pytest.approx(20.0)


def test_microbenchmark_measures_both_precisions_through_both_libraries() -> None:
    peaks = measure_peaks(sizes=(32, 64), min_seconds=0.0, max_reps=3)
    assert set(peaks) == {"fp32", "int8"}
    assert peaks["fp32"].gops > 0 and peaks["int8"].gops > 0
    assert any("onnxruntime MatMul n=" in k for k in peaks["fp32"].measurements)
    assert any("MatMulInteger u8s8" in k for k in peaks["int8"].measurements)
    assert peaks["fp32"].gops == max(peaks["fp32"].measurements.values())
