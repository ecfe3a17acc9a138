"""Regenerate the reference tables of the docs from infranet's schemas: the topology format
(docs/format.md), the model-file fields (docs/models.md), the job format (docs/job.md), the
service format (docs/service.md) and the study format (docs/studies.md).

Run from the project's root: ``python docs/generate_reference.py``. The tests fail when a
document and its schema disagree (:func:`stale` names the ones that do).
"""

from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
BEGIN = "<!-- BEGIN GENERATED REFERENCE: python docs/generate_reference.py -->"
END = "<!-- END GENERATED REFERENCE -->"


def _format() -> str:
    from infranet.model.schema import reference_markdown

    return reference_markdown()


def _models() -> str:
    from infranet.workloads.models import reference_markdown

    return reference_markdown()


def _job() -> str:
    from infranet.workloads.job import reference_markdown

    return reference_markdown()


def _service() -> str:
    from infranet.workloads.service import reference_markdown

    return reference_markdown()


def _studies() -> str:
    from infranet.studies.spec import reference_markdown

    return reference_markdown()


#: Each document and what writes its table.
DOCUMENTS: dict[str, Callable[[], str]] = {"format.md": _format, "models.md": _models,
                                           "job.md": _job, "service.md": _service,
                                           "studies.md": _studies}


def regenerate(text: str, table: str) -> str:
    """`text` with the part between its markers replaced by `table`."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{table}\n{END}{tail}"


def stale() -> list[str]:
    """The documents whose table is not what the schema writes now."""
    out = []
    for name, table in DOCUMENTS.items():
        text = (HERE / name).read_text(encoding="utf-8")
        if regenerate(text, table()) != text:
            out.append(name)
    return out


if __name__ == "__main__":
    for name, table in DOCUMENTS.items():
        path = HERE / name
        path.write_text(regenerate(path.read_text(encoding="utf-8"), table()), encoding="utf-8")
