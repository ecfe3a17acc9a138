"""Regenerate the job file's reference table in docs/job.md from infranet's job schema.

Run from the project's root: ``python docs/generate_job_reference.py``. The tests fail when the
document and the schema disagree.
"""

from pathlib import Path

from infranet.workloads.job import reference_markdown

BEGIN = "<!-- BEGIN GENERATED REFERENCE: python docs/generate_job_reference.py -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC = Path(__file__).with_name("job.md")


def regenerate(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{reference_markdown()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
