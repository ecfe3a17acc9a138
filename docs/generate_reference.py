"""Regenerate the schema reference tables in docs/format.md from infranet's schema, and the
table of model-file fields in docs/models.md.

Run from the project's root: ``python docs/generate_reference.py``. The tests fail when the
document and the schema disagree.
"""

from pathlib import Path

from infranet.model.schema import reference_markdown

BEGIN = "<!-- BEGIN GENERATED REFERENCE: python docs/generate_reference.py -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC = Path(__file__).with_name("format.md")


def regenerate(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{reference_markdown()}\n{END}{tail}"


MODELS_BEGIN = "<!-- BEGIN GENERATED FIELDS: python docs/generate_reference.py -->"
MODELS_END = "<!-- END GENERATED FIELDS -->"
MODELS_DOC = Path(__file__).with_name("models.md")


def regenerate_models(text: str) -> str:
    from infranet.workloads.models import reference_markdown as model_fields

    head, rest = text.split(MODELS_BEGIN, 1)
    _, tail = rest.split(MODELS_END, 1)
    return f"{head}{MODELS_BEGIN}\n\n{model_fields()}\n{MODELS_END}{tail}"


if __name__ == "__main__":
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    MODELS_DOC.write_text(regenerate_models(MODELS_DOC.read_text(encoding="utf-8")),
                          encoding="utf-8")
