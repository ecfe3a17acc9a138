"""The commands' charts: designs side by side with their RTT distributions, a training step's
breakdown, the routing benchmark's MLU ratios and training efficiency against distance and DCI
bandwidth; each written, not blank, drawing the numbers it is given; nothing to draw is one
line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infranet.errors import ValidationError
from infranet.model import Topology
from infranet.output.plots import (
    IMAGE_FORMATS,
    comparison_chart,
    efficiency_chart,
    mlu_ratio_chart,
    save_figure,
    step_chart,
)
from infranet.studies.compare import compare, datacenter_rtts

from .conftest import assert_not_blank

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = [ROOT / "topologies" / f"texas-{n}.yaml" for n in ("ring", "mesh", "hub")]


def _written(fig, tmp_path: Path) -> None:
    for suffix in IMAGE_FORMATS:
        out = tmp_path / f"chart{suffix}"
        save_figure(fig, out)
        assert out.stat().st_size > 1000
    assert_not_blank(tmp_path / "chart.png")


def test_comparison_chart_of_the_texas_designs(tmp_path: Path):
    from infranet.io import read

    topologies = [read(p) for p in DESIGNS]
    records = [s.to_dict() for s in compare(topologies)]
    rtts = {t.name: datacenter_rtts(t) for t in topologies}
    fig = comparison_chart(records, measures=["links", "max_rtt_ms", "min_cut_gbps"],
                           rtts=rtts)
    _written(fig, tmp_path)
    bars, cdf = fig.axes
    heights = np.array([[b.get_height() for b in c] for c in bars.containers])
    # each measure's largest design at 1, the others their share of it
    np.testing.assert_allclose(heights.max(axis=0), 1.0)
    links = np.array([r["links"] for r in records], dtype=float)
    np.testing.assert_allclose(heights[:, 0], links / links.max())
    # one CDF per design, ending at 1 at its largest RTT
    for line, topology in zip(cdf.get_lines(), topologies, strict=True):
        assert line.get_ydata()[-1] == pytest.approx(1.0)
        assert line.get_xdata()[-1] == pytest.approx(datacenter_rtts(topology).max())


def test_comparison_chart_leaves_out_what_no_design_gives():
    fig = comparison_chart([{"name": "a", "mlu": None, "links": 2},
                            {"name": "b", "mlu": float("nan"), "links": 3}])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["links"]
    with pytest.raises(ValidationError, match="no number in common"):
        comparison_chart([{"name": "a", "note": "x"}])
    with pytest.raises(ValidationError, match="no design"):
        comparison_chart([])


def test_rtt_cdf_counts_pairs_cut_off():
    line = Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "abc"],
                               "links": [{"a": "a", "b": "b", "length_km": 100}]})
    fig = comparison_chart([{"name": "l", "links": 1}], rtts={"l": datacenter_rtts(line)})
    (curve,) = fig.axes[1].get_lines()
    assert curve.get_label() == "l (2 pairs cut off)"
    assert curve.get_ydata()[-1] == pytest.approx(1 / 3)  # one pair of three joined


def test_step_chart_of_a_step_a_search_and_sites(tmp_path: Path):
    step = {"step_s": 1.0, "efficiency": 0.9, "model": "m",
            "breakdown_s": {"compute": 0.5, "bubble": 0.3, "tp": 0.199, "pp": 0.001,
                            "ep": 0.0}}
    fig = step_chart(step)
    _written(fig, tmp_path)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([0.5, 0.3, 0.199, 0.001])  # the zero part left out
    assert ax.get_legend_handles_labels()[1] == ["compute 50%", "bubble 30%", "tp 20%",
                                                 "pp 0.10%"]
    assert "efficiency 90.0%" in ax.get_title()
    search = step_chart({"model": "m", "mappings": [
        {"parallelism": f"tp={t}", "step_s": s} for t, s in ((8, 1.0), (4, 1.5))]})
    assert [t.get_text() for t in search.axes[0].get_yticklabels()] == ["tp=8", "tp=4"]
    sites = step_chart({"sites": [{"site": "a", "step_s": 2.0}, {"site": "b", "step_s": 2.5}]})
    assert [p.get_height() for p in sites.axes[0].patches] == [2.0, 2.5]
    with pytest.raises(ValidationError, match="no step breakdown"):
        step_chart({"step_s": 1.0})
    with pytest.raises(ValidationError, match="none fits"):
        step_chart({"mappings": []})


def test_mlu_ratio_chart_points_and_scale(tmp_path: Path):
    rows = [{"instance": i, "matrix": m, "algorithm": a, "mlu_ratio": r}
            for i, m, a, r in (("g", 0, "spf", 1.6), ("g", 1, "spf", 1.8), ("g", 0, "mcf", 1.0),
                               ("g", 1, "mcf", 1.0), ("f", 0, "spf", 4.0),
                               ("f", 0, "mcf", float("nan")))]
    fig = mlu_ratio_chart(rows)
    _written(fig, tmp_path)
    ax = fig.axes[0]
    spf, mcf = ax.collections
    assert sorted(spf.get_offsets()[:, 1]) == [1.6, 1.8, 4.0]
    assert list(mcf.get_offsets()[:, 1]) == [1.0, 1.0]
    assert ax.get_yscale() == "linear"  # a spread of 4
    assert "(1 row without a ratio not drawn)" in ax.get_title()
    assert mlu_ratio_chart(rows, log=True).axes[0].get_yscale() == "log"
    spread = [*rows, {"instance": "f", "matrix": 1, "algorithm": "spf", "mlu_ratio": 50.0}]
    assert mlu_ratio_chart(spread).axes[0].get_yscale() == "log"
    with pytest.raises(ValidationError, match="no row has an MLU ratio"):
        mlu_ratio_chart([{"instance": "g", "algorithm": "spf", "mlu_ratio": None}])
    with pytest.raises(ValidationError, match="no 'mlu_ratio' column"):
        mlu_ratio_chart([{"instance": "g", "algorithm": "spf"}])


def test_efficiency_chart_of_a_study(tmp_path: Path):
    rows = pd.DataFrame([{"model": m, "km": d, "gbps": g, "eff": e}
                         for m, scale in (("8b", 1.0), ("70b", 0.9))
                         for d in (50, 500, 1000) for g in (1600, 51200)
                         for e in [scale * (0.6 if g == 1600 else 1.0) - d / 1e5]])
    fig = efficiency_chart(rows, efficiency="eff", distance="km", bandwidth="gbps",
                           by="model", title="two models")
    _written(fig, tmp_path)
    assert len(fig.axes) == 4  # a row of two panels per model
    left = fig.axes[0]
    assert left.get_title() == "8b: efficiency against distance"
    slow, fast = left.get_lines()
    assert fast.get_label() == "51,200 Gb/s"
    assert slow.get_label() == "1,600 Gb/s"
    np.testing.assert_allclose(slow.get_xdata(), [50, 500, 1000])
    np.testing.assert_allclose(slow.get_ydata(), [0.6 - 0.0005, 0.6 - 0.005, 0.6 - 0.01])
    assert fig.axes[1].get_xscale() == "log"
    with pytest.raises(ValidationError, match="column 'eff' holds no numbers"):
        efficiency_chart(rows.assign(eff=None), efficiency="eff", distance="km",
                         bandwidth="gbps")
    with pytest.raises(ValidationError, match="no row has an efficiency, a distance"):
        efficiency_chart(rows.assign(km=[5] * 6 + [None] * 6, eff=[None] * 6 + [0.5] * 6),
                         efficiency="eff", distance="km", bandwidth="gbps")
