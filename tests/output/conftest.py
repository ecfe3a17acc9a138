"""What the chart and map tests share: whether an image shows something."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def drawn_share(path: Path) -> tuple[int, float]:
    """The number of distinct colours of a PNG, and the share of its pixels that are not the
    background (the colour of its top-left corner)."""
    import matplotlib.image

    pixels = matplotlib.image.imread(path)[..., :3]
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    background = pixels[0, 0]
    share = float(np.mean(np.any(np.abs(pixels - background) > 1e-3, axis=-1)))
    return colours, share


def assert_not_blank(path: Path, *, at_least: float = 0.02) -> None:
    """`path` is a PNG of more than one colour with some of its pixels drawn on."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    colours, share = drawn_share(path)
    assert colours > 1, path
    assert share >= at_least, (path, share)
