"""Studies as data: the STUDY.yaml schema (one table of keys) and its reference.

:data:`STUDY` is the schema of a study file: each key's type, default, meaning and an example,
read by :func:`infranet.studies.sweep.study_from_mapping` (which refuses any other key) and
written into ``docs/studies.md`` by :func:`reference_markdown` (``python
docs/generate_reference.py``; a test holds the two together). :data:`FAILURES` and
:data:`DEMANDS` are the tables of the ``failures`` and ``demands`` mappings.

This module imports nothing heavy: ``infranet sweep --help`` reads it.

Examples
--------
>>> [key.name for key in STUDY][:3]
['name', 'topology', 'job']
>>> print(reference_markdown().splitlines()[0])
| key | type | default | meaning | example |
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEMANDS", "DEMAND_GENERATORS", "FAILURES", "STUDY", "StudyKey", "keys",
           "reference_markdown"]


@dataclass(frozen=True)
class StudyKey:
    """One key of a study file (or of one of its mappings): its type as the reference says
    it, its default (``""``: none; `required` keys have none), what it means and an example
    value as written in YAML."""

    name: str
    type: str
    meaning: str
    example: str
    default: str = ""
    required: bool = False


#: The keys of a STUDY.yaml file, in the order the reference lists them.
STUDY = (
    StudyKey("name", "text", "names the study in progress lines and errors", "fiber-cuts",
             default="the file's name"),
    StudyKey("topology", "path", "the base topology: a file in any format infranet reads, "
             "relative to the study file or absolute, or `topohub:GROUP/NAME`",
             "../../topologies/us-backbone.yaml", required=True),
    StudyKey("job", "path or mapping", "a training job: a JOB.yaml path (relative to the "
             "study file) or its fields inline (docs/job.md); needed by `training:step_s`",
             "../jobs/llama3-70b-two-sites.yaml"),
    StudyKey("service", "path or mapping", "an inference service: a SERVICE.yaml path or its "
             "fields inline (docs/service.md); needed by `inference:accelerators`",
             "../service-llama3-70b.yaml"),
    StudyKey("demands", "path or mapping", "the traffic the `mlu:ALGORITHM` measures route: a "
             "CSV (`src,dst,gbps`) or FIGRET `.hist` file relative to the study file, or a "
             "mapping (keys below: a generator, or a file with its line and unit); made once "
             "on the base topology, so every scenario routes the same demands",
             "{generator: gravity, total_gbps: 20000, by: capacity}",
             default="the topology's own demands (SNDlib, topohub)"),
    StudyKey("grid", "mapping of path to list", "the edits: each path (those of "
             "`Topology.with_changes`: `links[NAME].capacity`, `defaults.route_factor`, "
             "`sites[*].power_mw`, `links[kind=fiber].medium`; `job.FIELD` and "
             "`service.FIELD` edit those specs) takes each value of its non-empty list; the "
             "scenarios are the cartesian product, the first path varying slowest",
             "{defaults.route_factor: [1.2, 1.5], job.global_batch: [512, 1024]}",
             default="no edits (one grid point)"),
    StudyKey("failures", "true or mapping", "failure sets evaluated in every grid point "
             "(keys below); `true`: every single link; the sets are those of "
             "`infranet.algorithms.failures.failure_sets`, in its order",
             "{links: true, order: [1, 2]}", default="no failures"),
    StudyKey("measures", "list of names", "what each scenario measures: names of the "
             "measures below, `mlu:ALGORITHM` for any routing algorithm (`mlu:ecmp`, "
             "`mlu:path-lp`, a plug-in's name), or `module:function` called with "
             "`(topology, study)`", "[max_rtt, min_cut, mlu:ecmp]", default="[max_rtt]"),
)

#: The keys of the `failures` mapping.
FAILURES = (
    StudyKey("links", "true \\| false", "fail each link", "true", default="true"),
    StudyKey("srlgs", "true \\| false", "fail each shared-risk link group", "true",
             default="false"),
    StudyKey("sites", "true \\| false", "fail each site (and its links)", "false",
             default="false"),
    StudyKey("order", "1 \\| 2 \\| [1, 2]", "singles, pairs, or singles then pairs", "[1, 2]",
             default="1"),
    StudyKey("random", "whole number", "draw this many failure sets (without repeats) instead "
             "of all of them", "100"),
    StudyKey("seed", "whole number", "the seed of `random` (goes with it)", "7"),
)

#: Generators the `demands` mapping names, with what they take besides `total_gbps`.
DEMAND_GENERATORS = {"gravity": ("by", "noise", "seed"), "uniform": ("seed",)}

#: The keys of the `demands` mapping.
DEMANDS = (
    StudyKey("generator", "`gravity` \\| `uniform`", "make the demands: `gravity` (demand "
             "between two sites proportional to the product of their weights) or `uniform` "
             "(random, uniform)", "gravity"),
    StudyKey("total_gbps", "bandwidth", "the sum of the generated demands (Gb/s, or with a "
             "unit)", "20 Tb/s"),
    StudyKey("by", "`capacity` \\| `population` \\| `degree`", "a site's weight in `gravity`: "
             "the capacity leaving it, its population (every site must give one), or its "
             "number of links", "degree", default="capacity"),
    StudyKey("noise", "number", "standard deviation of a log-normal factor on each gravity "
             "demand", "0.3", default="0"),
    StudyKey("seed", "whole number", "the seed of the random part", "1", default="0"),
    StudyKey("file", "path", "read the demands from this CSV or `.hist` file instead",
             "demands/week1.hist"),
    StudyKey("line", "whole number", "which matrix (0-based line) of a `.hist` file", "3",
             default="0"),
    StudyKey("unit", "unit", "the unit of `.hist` values", "Gb/s", default="bit/s"),
)


def keys(table: tuple[StudyKey, ...]) -> tuple[str, ...]:
    """The names of a table's keys.

    Examples
    --------
    >>> keys(FAILURES)
    ('links', 'srlgs', 'sites', 'order', 'random', 'seed')
    """
    return tuple(key.name for key in table)


def _table(table: tuple[StudyKey, ...], prefix: str = "") -> list[str]:
    out = ["| key | type | default | meaning | example |", "|---|---|---|---|---|"]
    for key in table:
        default = "**required**" if key.required else key.default or ""
        out.append(f"| `{prefix}{key.name}` | {key.type} | {default} | {key.meaning} | "
                   f"`{key.example}` |")
    return out


def reference_markdown() -> str:
    """The study file's reference (Markdown): the keys, then those of `failures` and
    `demands`, generated from :data:`STUDY`, :data:`FAILURES` and :data:`DEMANDS`."""
    out = _table(STUDY)
    out += ["", "`failures` (a mapping; every key optional):", "", *_table(FAILURES,
                                                                            "failures.")]
    out += ["", "`demands` (a mapping: `generator` with `total_gbps`, or `file`):", "",
            *_table(DEMANDS, "demands.")]
    return "\n".join(out) + "\n"
