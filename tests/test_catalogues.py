"""The equipment catalogues: every figure has a source, and the published figures stay exact."""

import csv
from importlib import resources

import pytest

from infranet import physics
from infranet.errors import FormatError, UnknownNameError

TABLES = {
    "accelerators": ("accelerators.csv", physics.accelerators),
    "switches": ("switches.csv", physics.switches),
    "optics": ("optics.csv", physics.optics),
}
ACCELERATOR_COLUMNS = {"name", "vendor", "bf16_tflops", "hbm_gb", "hbm_tbps", "power_w",
                       "scale_up_gbytes_per_s", "scale_up_domain", "nic_gbps", "source"}
SWITCH_COLUMNS = {"name", "vendor", "kind", "radix", "port_gbps", "hop_latency_us",
                  "hop_latency_range_us", "power_w", "source"}
OPTIC_COLUMNS = {"name", "rate_gbps", "reach_km", "power_w", "kind", "source"}


def _raw(file):
    with resources.files("infranet.data").joinpath(file).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("table", TABLES)
def test_every_row_has_a_source_and_a_unique_name(table):
    file, load = TABLES[table]
    raw = _raw(file)
    names = [r["name"] for r in raw]
    assert len(names) == len(set(names)), f"{file}: duplicate names"
    assert all(name.strip() for name in names)
    for row in load().values():
        assert row["source"].strip(), f"{file}: row {row['name']!r} has no source"


@pytest.mark.parametrize("table", TABLES)
def test_numbers_are_positive_and_defaults_sit_in_their_ranges(table):
    _, load = TABLES[table]
    for row in load().values():
        for field, value in row.items():
            if isinstance(value, float):
                assert value > 0, f"{row['name']}: {field} = {value}"
            elif isinstance(value, tuple):
                low, high = value
                assert 0 < low <= high, f"{row['name']}: {field} = {value}"
        for default, spread in (("hop_latency_us", "hop_latency_range_us"),
                                ("reach_km", "reach_range_km")):
            if row.get(spread) is not None:
                low, high = row[spread]
                assert low <= row[default] <= high, row["name"]


def test_columns_and_kinds():
    assert all(set(r) >= ACCELERATOR_COLUMNS for r in physics.accelerators().values())
    assert all(set(r) >= SWITCH_COLUMNS for r in physics.switches().values())
    assert all(set(r) >= OPTIC_COLUMNS for r in physics.optics().values())
    assert {r["kind"] for r in physics.switches().values()} == {
        "infiniband", "ethernet", "nvswitch", "ocs"}
    assert {r["kind"] for r in physics.optics().values()} == {"intra-dc", "dci"}


def test_catalogues_hold_the_required_rows():
    assert {"H100", "H200", "B200", "GB200", "GB300", "TPUv5p", "TPU7x", "MI300X",
            "MI355X"} <= set(physics.accelerators())
    assert {"QM9700", "Q3400", "SN5600", "TH5-64x800G", "TH5-128x400G", "Ethernet-64x400G",
            "NVSwitch-NVLink4", "NVLink5-Switch-Tray"} <= set(physics.switches())
    assert {"400G-DR4", "400G-FR4", "800G-2xDR4", "800G-2xFR4", "400G-DAC", "800G-DAC",
            "400G-ACC", "800G-ACC", "400ZR", "800ZR", "400G-ZR+", "800G-ZR+"} <= set(
        physics.optics())


@pytest.mark.parametrize(("name", "field", "value"), [
    ("H100", "bf16_tflops", 989), ("H100", "hbm_gb", 80), ("H100", "power_w", 700),
    ("H100", "scale_up_gbytes_per_s", 450), ("H100", "nic_gbps", 400),
    ("H100", "scale_up_domain", 8),
    ("B200", "scale_up_gbytes_per_s", 900), ("B200", "power_w", 1000), ("B200", "nic_gbps", 400),
    ("GB200", "scale_up_gbytes_per_s", 900), ("GB200", "scale_up_domain", 72),
    ("GB300", "nic_gbps", 800), ("GB300", "scale_up_domain", 72),
    ("TPUv5p", "bf16_tflops", 459), ("TPUv5p", "hbm_gb", 95), ("TPUv5p", "nic_gbps", 50),
    ("TPUv5p", "scale_up_domain", 8960),
    ("TPU7x", "bf16_tflops", 2307), ("TPU7x", "hbm_gb", 192), ("TPU7x", "scale_up_domain", 9216),
])
def test_published_accelerator_figures_are_exact(name, field, value):
    assert physics.accelerators()[name][field] == value


def test_interconnect_figures_follow_from_the_published_totals():
    acc = physics.accelerators()
    # TPU ICI is published bidirectional: 1,200 GB/s (v5p) and about 1.2 TB/s (TPU7x).
    assert acc["TPUv5p"]["scale_up_gbytes_per_s"] * 2 == 1200
    assert acc["TPU7x"]["scale_up_gbytes_per_s"] * 2 == 1200
    # NVL72: 72 GPUs x 900 GB/s per direction, both directions, about 130 TB/s per rack.
    assert 72 * acc["GB200"]["scale_up_gbytes_per_s"] * 2 / 1000 == pytest.approx(130, rel=0.01)
    # H100: 18 NVLink 4 links of 200 Gb/s (25 GB/s) per direction.
    nvl4 = physics.switches()["NVSwitch-NVLink4"]
    assert 18 * nvl4["port_gbps"] / 8 == acc["H100"]["scale_up_gbytes_per_s"]
    # NVL72: nine switch trays carry the 18 NVLink 5 links of each of the 72 GPUs.
    tray = physics.switches()["NVLink5-Switch-Tray"]
    assert 9 * tray["radix"] == 72 * 18
    assert 18 * tray["port_gbps"] / 8 == acc["GB200"]["scale_up_gbytes_per_s"]


@pytest.mark.parametrize(("name", "radix", "port_gbps"), [
    ("QM9700", 64, 400), ("Q3400", 144, 800), ("SN5600", 64, 800), ("TH5-64x800G", 64, 800),
    ("TH5-128x400G", 128, 400), ("Ethernet-64x400G", 64, 400),
])
def test_switch_ports(name, radix, port_gbps):
    row = physics.switches()[name]
    assert (row["radix"], row["port_gbps"]) == (radix, port_gbps)


def test_switch_hop_latency_ranges_are_the_published_ones():
    for row in physics.switches().values():
        if row["kind"] == "infiniband":
            assert row["hop_latency_range_us"] == (0.15, 0.35)
        elif row["kind"] == "ethernet":
            assert row["hop_latency_range_us"] == (0.3, 1.0)


def test_coherent_optics_figures():
    optics = physics.optics()
    assert optics["400ZR"]["rate_gbps"] == 400
    assert optics["400ZR"]["reach_km"] <= 120
    assert optics["400ZR"]["kind"] == "dci"
    assert optics["800ZR"]["rate_gbps"] == 800
    assert optics["800ZR"]["reach_range_km"] == (80, 120)
    for name in ("400G-ZR+", "800G-ZR+"):
        assert optics[name]["reach_range_km"] == (800, 2500)
    assert all(r["reach_km"] <= 2 for r in optics.values() if r["kind"] == "intra-dc")


def test_figures_marked_as_derived_or_assumed_say_so():
    # Per-GPU figures split from rack totals, and powers the vendor does not publish per GPU.
    acc = physics.accelerators()
    assert "derived" in acc["GB200"]["source"] and "assumption" in acc["GB200"]["source"]
    assert "assumption" in physics.switches()["QM9700"]["source"]


@pytest.mark.parametrize(("table", "typo", "closest"), [
    ("accelerators", "H10", "H100"), ("accelerators", "tpu7", "TPU7x"),
    ("switches", "QM970", "QM9700"), ("switches", "SN560", "SN5600"),
    ("optics", "400zr", "400ZR"), ("optics", "800G-2xDR", "800G-2xDR4"),
])
def test_unknown_names_suggest_the_closest(table, typo, closest):
    with pytest.raises(UnknownNameError, match=f"did you mean '{closest}'"):
        physics.catalogue_row(table, typo)


def test_catalogue_row_returns_the_row_and_refuses_unknown_tables():
    assert physics.catalogue_row("accelerators", "H100")["hbm_gb"] == 80
    assert physics.catalogue_row("optics", "800ZR") is physics.optics()["800ZR"]
    with pytest.raises(UnknownNameError, match="did you mean 'switches'"):
        physics.catalogue_row("switch", "QM9700")
    with pytest.raises(KeyError):  # UnknownNameError is also a KeyError
        physics.catalogue_row("optics", "nothing-like-it")


def test_bad_cells_and_duplicate_names_are_format_errors(monkeypatch):
    def rows(text):
        return lambda _file: list(csv.DictReader(text.splitlines()))

    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,sixty-four,s"))
    with pytest.raises(FormatError, match=r"t\.csv: row 'x': radix: expected a number"):
        physics._catalogue("t.csv")
    monkeypatch.setattr(physics, "_read_csv", rows("name,hop_latency_range_us,source\nx,0.3,s"))
    with pytest.raises(FormatError, match="expected a range 'low-high'"):
        physics._catalogue("t.csv")
    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,1,s\nx,2,s"))
    with pytest.raises(FormatError, match="duplicate name 'x'"):
        physics._catalogue("t.csv")
