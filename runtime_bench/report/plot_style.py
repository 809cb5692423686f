"""What every runtime_bench figure shares: the EMULATED stamp and a legend kept off the data."""

from __future__ import annotations

from typing import Any

#: the stamp on every figure of a run measured under CPU emulation (host["emulated"])
EMULATED_TEXT = "EMULATED — not a hardware timing"


def stamp_emulated(fig: Any, doc: dict[str, Any]) -> None:
    """Write a large red EMULATED mark across `fig` when `doc`'s host was emulated, so a PNG
    shown out of its report cannot pass for a hardware measurement."""
    emulated = doc.get("host", {}).get("emulated")
    if not emulated:
        return
    fig.text(
        0.5,
        0.5,
        f"{EMULATED_TEXT}\n({emulated})",
        ha="center",
        va="center",
        rotation=20,
        fontsize=22,
        color="red",
        alpha=0.35,
        weight="bold",
        zorder=1000,
    )


def figure_legend(fig: Any, axes: list[Any], bottom_in: float = 0.9) -> None:
    """One legend for the whole figure, below the panels (never over data): every label drawn
    in any panel, once."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    if not handles:
        fig.tight_layout()
        return
    ncol = min(len(handles), 4)
    fig.legend(
        handles.values(), handles.keys(), fontsize=8, loc="lower center", ncol=ncol, frameon=False
    )
    rows = -(-len(handles) // ncol)
    fig.tight_layout(rect=(0, min(0.45, (0.25 * rows + 0.1) / fig.get_figheight()), 1, 1))
