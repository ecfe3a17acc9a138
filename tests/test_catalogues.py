"""The catalogues: typed records with units in their names, one reader, every figure with its
source, and the published figures stay exact."""

import csv
import dataclasses
from importlib import resources

import pytest

from infranet import physics
from infranet.errors import FormatError, UnknownNameError, ValidationError

TABLES = {
    "accelerators": ("accelerators.csv", physics.accelerators),
    "switches": ("switches.csv", physics.switches),
    "optics": ("optics.csv", physics.optics),
    "figures": ("figures.csv", physics.figures),
    "media": ("media.csv", physics.media),
    "models": ("models.csv", physics.models),
}
ACCELERATOR_COLUMNS = {"name", "vendor", "bf16_tflops", "fp8_tflops", "hbm_gb",
                       "hbm_tbytes_per_s", "power_w", "scale_up_gbytes_per_s", "scale_up_domain",
                       "scale_up_kind", "nic_gbps", "system", "system_accelerators",
                       "system_power_kw", "system_power_range_kw", "source"}


def _raw(file):
    with resources.files("infranet.data").joinpath(file).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("table", TABLES)
def test_every_row_has_a_source_and_a_unique_name(table):
    file, load = TABLES[table]
    raw = _raw(file)
    names = [r["name"] for r in raw]
    assert len(names) == len(set(names)), f"{file}: duplicate names"
    assert set(load()) == set(names)
    for record in load().values():
        assert record.source.strip(), f"{file}: row {record.name!r} has no source"


@pytest.mark.parametrize("table", TABLES)
def test_records_are_frozen(table):
    record = next(iter(TABLES[table][1]().values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "x"


@pytest.mark.parametrize("table", ["accelerators", "switches", "optics", "figures"])
def test_numbers_are_positive_and_defaults_sit_in_their_ranges(table):
    _, load = TABLES[table]
    for record in load().values():
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert value > 0, f"{record.name}: {f.name} = {value}"
            elif isinstance(value, tuple):
                low, high = value
                assert 0 < low <= high, f"{record.name}: {f.name} = {value}"
        for default, spread in (("hop_latency_us", "hop_latency_range_us"),
                                ("reach_km", "reach_range_km"), ("value", "range"),
                                ("system_power_w", "system_power_range_w")):
            if getattr(record, spread, None) is not None:
                low, high = getattr(record, spread)
                assert low <= getattr(record, default) <= high, record.name


def test_accelerator_columns_and_units():
    assert set(_raw("accelerators.csv")[0]) == ACCELERATOR_COLUMNS
    h100 = physics.accelerator("H100")
    assert h100.dense_flops_per_s == {"bf16": 989e12, "fp8": 1979e12}
    assert h100.hbm_bytes == 80e9 and h100.hbm_bytes_per_s == 3.35e12  # terabytes, not bits
    assert h100.scale_up_gbps == 450 * 8  # GB/s per direction -> Gb/s
    assert h100.system_power_w == 10_200 and h100.system_accelerators == 8


def test_kinds():
    assert {r.kind for r in physics.switches().values()} == {
        "infiniband", "ethernet", "nvswitch", "ocs"}
    assert {r.kind for r in physics.optics().values()} == {"intra-dc", "dci"}


def test_catalogues_hold_the_required_rows():
    assert {"H100", "H200", "B200", "GB200", "GB300", "TPUv5p", "TPU7x", "MI300X",
            "MI355X", "A100-40GB", "A100-80GB"} <= set(physics.accelerators())
    assert {"QM9700", "Q3400", "SN5600", "TH5-64x800G", "TH5-128x400G", "Ethernet-64x400G",
            "NVSwitch-NVLink4", "NVLink5-Switch-Tray"} <= set(physics.switches())
    assert {"400G-DR4", "400G-FR4", "800G-2xDR4", "800G-2xFR4", "400G-DAC", "800G-DAC",
            "400G-ACC", "800G-ACC", "400ZR", "800ZR", "400G-ZR+", "800G-ZR+"} <= set(
        physics.optics())
    assert {"switch_hop_us", "scale_up_hop_us", "ici_hop_us", "cable_m", "switch_w_per_tbps",
            "transceiver_w_per_gbps", "pue"} <= set(physics.figures())


@pytest.mark.parametrize(("name", "field", "value"), [
    ("H100", "bf16_flops_per_s", 989e12), ("H100", "hbm_bytes", 80e9), ("H100", "power_w", 700),
    ("H100", "scale_up_gbps", 3600), ("H100", "nic_gbps", 400), ("H100", "scale_up_domain", 8),
    ("B200", "scale_up_gbps", 7200), ("B200", "power_w", 1000), ("B200", "nic_gbps", 400),
    ("GB200", "scale_up_gbps", 7200), ("GB200", "scale_up_domain", 72),
    ("GB300", "nic_gbps", 800), ("GB300", "scale_up_domain", 72),
    ("TPUv5p", "bf16_flops_per_s", 459e12), ("TPUv5p", "hbm_bytes", 95e9),
    ("TPUv5p", "nic_gbps", 50), ("TPUv5p", "scale_up_domain", 8960),
    ("TPU7x", "bf16_flops_per_s", 2307e12), ("TPU7x", "hbm_bytes", 192e9),
    ("TPU7x", "scale_up_domain", 9216),
    # NVIDIA A100 datasheet: 312 TFLOP/s dense bf16; 1,555 / 2,039 GB/s; NVLink 3 300 GB/s per
    # direction; DGX A100: one 200 Gb/s HDR NIC per GPU, 6.5 kW for 8 GPUs
    ("A100-40GB", "bf16_flops_per_s", 312e12), ("A100-40GB", "hbm_bytes", 40e9),
    ("A100-40GB", "hbm_bytes_per_s", 1.555e12), ("A100-80GB", "hbm_bytes", 80e9),
    ("A100-80GB", "hbm_bytes_per_s", 2.039e12), ("A100-80GB", "power_w", 400),
    ("A100-80GB", "scale_up_gbps", 2400), ("A100-80GB", "nic_gbps", 200),
    ("A100-80GB", "it_power_w", 6500 / 8),
])
def test_published_accelerator_figures_are_exact(name, field, value):
    assert getattr(physics.accelerator(name), field) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("name", "kw", "gpus"), [
    # FIGURES.md, "System power and facilities"
    ("A100-80GB", 6.5, 8), ("H100", 10.2, 8), ("B200", 14.3, 8), ("GB200", 132, 72),
    ("GB300", 142, 72),
])
def test_system_power_is_the_published_system_figure(name, kw, gpus):
    gpu = physics.accelerator(name)
    assert gpu.system_power_w == kw * 1000 and gpu.system_accelerators == gpus
    assert gpu.it_power_w == pytest.approx(kw * 1000 / gpus)
    assert gpu.it_power_w > gpu.power_w  # the system share is more than the chip


def test_unpublished_power_is_unknown_not_zero():
    for name in ("TPUv5p", "TPU7x"):
        assert physics.accelerator(name).it_power_w is None
        assert "not published" in physics.accelerator(name).source
    assert physics.accelerator("GB200").system_power_range_w == (120_000, 132_000)


def test_interconnect_figures_follow_from_the_published_totals():
    acc = physics.accelerators()
    # TPU ICI is published bidirectional: 1,200 GB/s (v5p) and about 1.2 TB/s (TPU7x).
    assert acc["TPUv5p"].scale_up_gbps / 8 * 2 == 1200
    assert acc["TPU7x"].scale_up_gbps / 8 * 2 == 1200
    # NVL72: 72 GPUs x 900 GB/s per direction, both directions, about 130 TB/s per rack.
    assert 72 * acc["GB200"].scale_up_gbps / 8 * 2 / 1000 == pytest.approx(130, rel=0.01)
    # H100: 18 NVLink 4 links of 200 Gb/s (25 GB/s) per direction.
    nvl4 = physics.switch("NVSwitch-NVLink4")
    assert 18 * nvl4.port_gbps == acc["H100"].scale_up_gbps
    # NVL72: nine switch trays carry the 18 NVLink 5 links of each of the 72 GPUs.
    tray = physics.switch("NVLink5-Switch-Tray")
    assert 9 * tray.radix == 72 * 18
    assert 18 * tray.port_gbps == acc["GB200"].scale_up_gbps


@pytest.mark.parametrize(("name", "radix", "port_gbps"), [
    ("QM9700", 64, 400), ("Q3400", 144, 800), ("SN5600", 64, 800), ("TH5-64x800G", 64, 800),
    ("TH5-128x400G", 128, 400), ("Ethernet-64x400G", 64, 400),
])
def test_switch_ports(name, radix, port_gbps):
    row = physics.switch(name)
    assert (row.radix, row.port_gbps) == (radix, port_gbps)


def test_switch_hop_latency_ranges_are_the_published_ones():
    for row in physics.switches().values():
        if row.kind == "infiniband":
            assert row.hop_latency_range_us == (0.15, 0.35)
        elif row.kind == "ethernet":
            assert row.hop_latency_range_us == (0.3, 1.0)
    assert physics.figures()["switch_hop_us"].range == (0.15, 0.35)


def test_figures_have_one_home():
    """The fabric figures every module reads, with their published ranges (FIGURES.md)."""
    figures = physics.figures()
    assert figures["switch_hop_us"].value == 0.25  # middle of InfiniBand's 0.15-0.35 µs
    assert figures["ici_hop_us"].value == 1.0  # TPU ICI, scaling book
    assert figures["pue"].range == (1.08, 1.56)  # hyperscale .. Uptime global average
    assert 1.08 <= figures["pue"].value <= 1.10
    assert "assumption" in figures["cable_m"].source


def test_scale_up_kinds_are_how_the_vendors_join_their_domains():
    kinds = {name: row.scale_up_kind for name, row in physics.accelerators().items()}
    assert {name for name, kind in kinds.items() if kind == "torus"} == {"TPUv5p", "TPU7x"}
    assert set(kinds.values()) == set(physics.SCALE_UP_KINDS)  # every row says
    assert "modelled as one switched domain" in physics.accelerator("MI300X").source
    with pytest.raises(ValidationError, match="expected one of nvswitch, torus"):
        physics.Accelerator.from_row({"name": "x", "scale_up_kind": "mesh", "source": "s"})


def test_upper_bounds_of_a_spec_are_figures_with_their_reasons():
    """The bounds that keep a cluster spec's arithmetic in range: each above every catalogue
    row it bounds, each with its reason."""
    figures = physics.figures()
    radix = figures["largest_switch_radix"].value
    assert radix == 512 and radix >= max(r.radix for r in physics.switches().values())
    rate = figures["largest_accelerator_gbps"].value
    assert rate >= 10 * max(max(a.scale_up_gbps or 0, a.nic_gbps or 0)
                            for a in physics.accelerators().values())
    domain = figures["largest_scale_up_domain"].value
    assert domain == max(a.scale_up_domain for a in physics.accelerators().values())
    assert figures["largest_cluster"].value == 1e8
    for name in ("largest_switch_radix", "largest_accelerator_gbps", "largest_scale_up_domain",
                 "largest_cluster", "largest_dci_gbps"):
        assert len(figures[name].source) > 80, name


def test_coherent_optics_figures():
    optics = physics.optics()
    assert optics["400ZR"].rate_gbps == 400
    assert optics["400ZR"].reach_km <= 120
    assert optics["400ZR"].kind == "dci"
    assert optics["800ZR"].rate_gbps == 800
    assert optics["800ZR"].reach_range_km == (80, 120)
    for name in ("400G-ZR+", "800G-ZR+"):
        assert optics[name].reach_range_km == (800, 2500)
    assert all(r.reach_km <= 2 for r in optics.values() if r.kind == "intra-dc")


def test_figures_marked_as_derived_or_assumed_say_so():
    # Per-GPU figures split from rack totals, and powers the vendor does not publish per GPU.
    gb200 = physics.accelerator("GB200")
    assert "derived" in gb200.source and "assumption" in gb200.source
    assert "assumption" in physics.switch("QM9700").source


@pytest.mark.parametrize(("lookup", "typo", "closest"), [
    (physics.accelerator, "H10", "H100"), (physics.accelerator, "tpu7", "TPU7x"),
    (physics.switch, "QM970", "QM9700"), (physics.switch, "SN560", "SN5600"),
    (physics.optic, "400zr", "400ZR"), (physics.optic, "800G-2xDR", "800G-2xDR4"),
    (physics.figure, "pu", "pue"),
])
def test_unknown_names_suggest_the_closest(lookup, typo, closest):
    with pytest.raises(UnknownNameError, match=f"did you mean '{closest}'"):
        lookup(typo)


def test_a_topology_catalogue_is_searched_first():
    own = {"MyChip": physics.Accelerator.from_row({"name": "MyChip", "nic_gbps": 200,
                                                   "source": "sheet"})}
    assert physics.accelerator("MyChip", own).nic_gbps == 200
    with pytest.raises(KeyError):  # UnknownNameError is also a KeyError
        physics.accelerator("H100", own)


def test_one_reader_reads_every_catalogue_and_refuses_bad_cells(monkeypatch):
    def rows(text):
        return lambda _file: list(csv.DictReader(text.splitlines()))

    def read():
        return physics.read_catalogue("t.csv", physics.Switch.from_row)

    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,sixty-four,s"))
    with pytest.raises(FormatError, match=r"t\.csv: row 'x': radix: expected a number"):
        read()
    monkeypatch.setattr(physics, "_read_csv", rows("name,hop_latency_range_us,source\nx,0.3,s"))
    with pytest.raises(FormatError, match="expected a range 'low-high'"):
        read()
    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,1,s\nx,2,s"))
    with pytest.raises(FormatError, match="duplicate name 'x'"):
        read()
    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,1,"))
    with pytest.raises(FormatError, match="row 'x': source: no source"):
        read()
    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,1.5,s"))
    with pytest.raises(FormatError, match="radix: expected a whole number"):
        read()
    monkeypatch.setattr(physics, "_read_csv", rows("name,radix,source\nx,64,s"))
    assert read()["x"].radix == 64
