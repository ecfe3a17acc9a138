"""Maps of a topology: sites and links in longitude and latitude (degrees, EPSG:4326).

:func:`draw_map` draws sites by kind and links as they run: along their route when the file
gives one, else straight between their ends (dashed, and said so in the legend); a link that
crosses the ±180° meridian is split there (:func:`antimeridian_parts`) and drawn on both edges
of the map, never across it. Links can be coloured by a column of the topology's links table
(``capacity_gbps``, ``length_km``, ...) or of a results table joined by link name. Write the
figure with :func:`infranet.output.plots.save_figure`.

Examples
--------
>>> from infranet.io import read
>>> fig = draw_map(read("topologies/global-backbone.yaml"), color_by="capacity_gbps")
>>> fig.axes[0].get_title()
'global-backbone: links by capacity_gbps'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from infranet.errors import UnknownNameError, ValidationError, did_you_mean

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from infranet.model import Topology

__all__ = ["JOIN_COLUMNS", "LINK_ID", "SITE_STYLE", "antimeridian_parts", "draw_map", "html_map",
           "link_rows"]

#: Marker, colour and size of each site kind (kinds not listed get a grey square).
SITE_STYLE = {"datacenter": ("s", "#d62728", 36.0), "pop": ("o", "#1f77b4", 16.0),
              "region": ("^", "#2ca02c", 30.0)}
#: Size of a map (inches).
MAP_SIZE = (10.0, 5.6)
#: Colour map of links coloured by a column.
COLOR_MAP = "viridis"
#: What the drawing of the link in row N of the links table is named (SVG id): LINK_ID + N.
LINK_ID = "infranet-link-"
#: Columns of a results table that name the link of each row, the first found is used: a
#: study's ``failure`` names a single link's failure by the link's name.
JOIN_COLUMNS = ("link", "name", "failure")


def link_rows(results: pd.DataFrame) -> tuple[pd.DataFrame, str, int]:
    """The rows of `results` about one link each, the column naming it, and how many rows
    were left out: with a ``link`` or ``name`` column every row; with a study's ``failure``
    column the rows whose failure is a single link (named by the link), leaving out pairs
    (``a + b``), SRLGs (``srlg:G``), sites (``site:S``) and rows without a failure.

    Raises
    ------
    UnknownNameError
        No column of :data:`JOIN_COLUMNS`.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"failure": ["a", "a + b", "srlg:duct", "site:x", None],
    ...                      "max_rtt.ms": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> kept, key, left_out = link_rows(rows)
    >>> list(kept["failure"]), key, left_out
    (['a'], 'failure', 4)
    """
    from infranet.algorithms.failures import SEPARATOR

    key = next((k for k in JOIN_COLUMNS if k in results.columns), None)
    if key is None:
        raise UnknownNameError("the results have no 'link' (or 'name', or a study's "
                               "'failure') column to join them to links by name",
                               field="results")
    if key != "failure":
        return results, key, 0
    names = results[key].astype("string")
    single = (names.notna() & (names.str.strip() != "") & ~names.str.contains(SEPARATOR,
                                                                             regex=False)
              & ~names.str.startswith("srlg:") & ~names.str.startswith("site:"))
    single = single.fillna(False).astype(bool)
    return results[single.to_numpy()], key, int((~single).sum())


def antimeridian_parts(points: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Split a line of ``(lon, lat)`` points where it crosses the ±180° meridian.

    A step of more than 180° of longitude between two points is taken to run the short way,
    across the antimeridian: the line ends at the edge of the map (latitude interpolated) and
    goes on from the other edge. No part holds a step longer than 180° of longitude.

    Examples
    --------
    >>> antimeridian_parts([(170.0, 10.0), (-170.0, 20.0)])
    [[(170.0, 10.0), (180.0, 15.0)], [(-180.0, 15.0), (-170.0, 20.0)]]
    >>> antimeridian_parts([(0.0, 0.0), (10.0, 5.0)])
    [[(0.0, 0.0), (10.0, 5.0)]]
    """
    parts: list[list[tuple[float, float]]] = []
    if not points:
        return parts
    current = [(float(points[0][0]), float(points[0][1]))]
    for lon, lat in points[1:]:
        lon, lat = float(lon), float(lat)
        lon0, lat0 = current[-1]
        step = lon - lon0
        if abs(step) > 180.0:
            edge = 180.0 if step < 0 else -180.0  # the edge the line leaves by
            shifted = lon + 360.0 if step < 0 else lon - 360.0
            span = shifted - lon0  # 0 for a step from one edge of the map to the other
            share = (edge - lon0) / span if span else 0.0
            cross = lat0 + share * (lat - lat0)
            current.append((edge, cross))
            parts.append(current)
            current = [(-edge, cross)]
        current.append((lon, lat))
    parts.append(current)
    return parts


def _split(geometry: Any) -> Any:
    """A LineString as a MultiLineString split at the antimeridian (None stays None)."""
    from shapely import MultiLineString

    if geometry is None or geometry.is_empty:
        return None
    return MultiLineString(antimeridian_parts([(p[0], p[1]) for p in geometry.coords]))


def _colours(links: pd.DataFrame, color_by: str, results: pd.DataFrame | None) -> Any:
    """The values of `color_by` per link: a links column, else a results column by link name."""
    import pandas as pd

    if color_by in links.columns and color_by != "geometry":
        values = links[color_by]
    elif results is not None and color_by in results.columns:
        results, key, _ = link_rows(results)
        by_name = results.drop_duplicates(subset=[key], keep="last").set_index(key)[color_by]
        unknown = sorted(set(by_name.index.astype(str)) - set(links["name"]))
        if unknown:
            raise UnknownNameError(f"no link '{unknown[0]}' in the topology"
                                   f"{did_you_mean(unknown[0], links['name'])}", field="results")
        values = links["name"].map(by_name)
    else:
        own = [str(c) for c in links.columns if c != "geometry"]
        theirs = [] if results is None else [str(c) for c in results.columns]
        more = f"; the results have {', '.join(theirs)}" if theirs else ""
        raise UnknownNameError(f"no column '{color_by}'{did_you_mean(color_by, own + theirs)}; "
                               f"links have {', '.join(own)}{more}", field="color_by")
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == 0:
        raise ValidationError(f"column '{color_by}' holds no numbers for any link",
                              field="color_by")
    return numbers.astype(float)


def draw_map(topology: Topology, *, color_by: str | None = None,
             results: pd.DataFrame | None = None, title: str | None = None) -> Figure:
    """Draw `topology` on a longitude / latitude map.

    Parameters
    ----------
    topology
        Sites without a location are left out (and said so); links between them too.
    color_by
        A column of the links table (``capacity_gbps``, ``length_km``, ``latency_ms``, ...) or
        of `results`; links are coloured by it on a colour bar (links without a value grey).
        Default: one colour per link kind.
    results
        A table with a ``link`` (or ``name``) column of link names, joined to the links by
        name (the last row of a name counts); or a study's rows, joined by their ``failure``
        when it is a single link (other failures left out: :func:`link_rows`).
    title
        Above the map; default the topology's name and what colours the links.

    Raises
    ------
    UnknownNameError
        `color_by` is no column (the closest is suggested), or `results` names unknown links.
    ValidationError
        No site has a location, or `color_by` holds no numbers.

    Examples
    --------
    >>> from infranet.io import read
    >>> fig = draw_map(read("topologies/us-backbone.yaml"))
    >>> len(fig.axes)
    1
    """
    import geopandas as gpd
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    sites, links = topology.to_geodataframes()
    located = sites[~sites.geometry.isna() & ~sites.geometry.is_empty]
    if len(located) == 0:
        raise ValidationError("no site has a location (lon, lat); there is nothing to map",
                              element=f"topology '{topology.name}'")
    values = _colours(links, color_by, results) if color_by is not None else None
    routed = {spec["name"] for spec in topology.to_dict()["links"] if "route" in spec}
    links = links.assign(routed=links["name"].isin(routed),
                         geometry=[_split(g) for g in links.geometry])
    links = gpd.GeoDataFrame(links, geometry="geometry", crs="EPSG:4326")
    drawn = links[links.geometry.notna()]

    fig = Figure(figsize=MAP_SIZE, layout="constrained")
    ax = fig.add_subplot()
    handles: list[Any] = []
    if values is not None:
        import matplotlib as mpl

        shown = values[drawn.index]
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        norm = mpl.colors.Normalize(vmin=low, vmax=high if high > low else low + 1.0)
        cmap = mpl.colormaps[COLOR_MAP]
        colours = [cmap(norm(v)) if np.isfinite(v) else mpl.colors.to_rgba("#bbbbbb")
                   for v in shown]
        mapping = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(mapping, ax=ax, label=color_by, shrink=0.8)
        if len(finite) < len(shown):
            handles.append(Line2D([], [], color="#bbbbbb", lw=2,
                                  label=f"no {color_by} ({len(shown) - len(finite)} links)"))
    else:
        kinds = list(dict.fromkeys(drawn["kind"]))
        palette = {k: f"C{i}" for i, k in enumerate(kinds)}
        colours = [palette[k] for k in drawn["kind"]]
        handles += [Line2D([], [], color=palette[k], lw=2, label=f"{k} link") for k in kinds]
    from matplotlib.collections import LineCollection

    # one collection per link, named by its row: an HTML map gives each its tooltip
    for at, geometry, is_routed, colour in zip(drawn.index, drawn.geometry, drawn["routed"],
                                               colours, strict=True):
        ax.add_collection(LineCollection(
            [list(part.coords) for part in geometry.geoms], colors=[colour], linewidths=1.6,
            linestyles="-" if is_routed else "--", zorder=1, gid=f"{LINK_ID}{at}"))
    ax.autoscale_view()
    if (~drawn["routed"]).any():
        handles.append(Line2D([], [], color="black", lw=1.2, linestyle="--",
                              label="straight: no route in the file"))
    if drawn["routed"].any():
        handles.append(Line2D([], [], color="black", lw=1.2, label="along its route"))
    for kind in dict.fromkeys(located["kind"]):
        marker, colour, size = SITE_STYLE.get(kind, ("s", "#7f7f7f", 24.0))
        located[located["kind"] == kind].plot(ax=ax, marker=marker, color=colour,
                                              markersize=size, edgecolor="white",
                                              linewidth=0.5, zorder=2)
        handles.append(Line2D([], [], marker=marker, color=colour, linestyle="",
                              markersize=6, label=f"{kind} site"))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.grid(True, alpha=0.3)
    missing = len(sites) - len(located)
    if missing:
        handles.append(Line2D([], [], linestyle="", label=f"{missing} site(s) without a "
                              "location not shown"))
    ax.legend(handles=handles, fontsize="small", loc="best")
    ax.set_title(title if title is not None else
                 f"{topology.name}: links by {color_by}" if color_by else topology.name)
    return fig


def html_map(topology: Topology, *, color_by: str | None = None,
             results: pd.DataFrame | None = None, title: str | None = None) -> str:
    """The map of :func:`draw_map` as one self-contained HTML page (an SVG inside, no script,
    nothing fetched): hovering a link shows its name, ends, capacity, length and `color_by`.

    Examples
    --------
    >>> from infranet.io import read
    >>> page = html_map(read("topologies/texas-ring.yaml"))
    >>> page.startswith("<!DOCTYPE html>"), page.count("<title>") > 3
    (True, True)
    """
    import html
    import io
    import re

    import matplotlib

    fig = draw_map(topology, color_by=color_by, results=results, title=title)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "infranet"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    links = topology.to_geodataframes()[1]
    values = _colours(links, color_by, results) if color_by is not None else None
    tips = {}
    for at, row in links.iterrows():
        words = [f"{row['name']}: {row['a']} – {row['b']}",
                 f"capacity {row['capacity_gbps']:,.0f} Gb/s, length {row['length_km']:,.0f} km"]
        if values is not None:
            words.append(f"{color_by} {values[at]:,.6g}")
        tips[f"{LINK_ID}{at}"] = html.escape("\n".join(words))
    svg = re.sub(f'<g id="({re.escape(LINK_ID)}\\d+)">',
                 lambda m: f'{m.group(0)}<title>{tips.get(m.group(1), "")}</title>', svg)
    name = html.escape(title or topology.name)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{name}</title>\n<style>\nbody {{ font-family: sans-serif; margin: 1em; }}\n"
            f'g[id^="{LINK_ID}"]:hover path {{ stroke-width: 5px !important; }}\n'
            f"svg {{ max-width: 100%; height: auto; }}\n</style>\n</head>\n<body>\n{svg}"
            f"<p>Hover a link for its name, ends, capacity and length.</p>\n</body>\n</html>\n")
