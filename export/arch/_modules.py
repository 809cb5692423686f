"""torch modules the family adapters build; imported lazily (export.arch stays torch-free)."""

from __future__ import annotations

import torch
from torch import nn


class DenseActNorm(nn.Module):
    """norm(act(dense(h))): a masked-LM transform kept as three named submodules."""

    def __init__(self, dense: nn.Module, act: nn.Module, norm: nn.Module) -> None:
        super().__init__()
        self.dense, self.act, self.norm = dense, act, norm

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.norm(self.act(self.dense(hidden)))
