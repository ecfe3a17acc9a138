"""The documents that users read stay true to the code."""

import importlib.util
import re
from pathlib import Path

import pytest

from .conftest import example_commands, run_example

ROOT = Path(__file__).resolve().parents[1]


def test_references_are_generated_from_the_schemas():
    """docs/format.md, docs/models.md, docs/job.md, docs/service.md and docs/studies.md hold
    what their schemas write."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs/generate_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.DOCUMENTS) == {"format.md", "models.md", "job.md", "service.md",
                                     "studies.md"}
    assert module.stale() == [], "run: python docs/generate_reference.py"
    # and a stale table is caught
    text = (ROOT / "docs/job.md").read_text(encoding="utf-8")
    assert module.regenerate(text, "| x |") != text


def test_readme_commands_match_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", readme, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert "pip install -e '.[test]'" in test_command or 'pip install -e ".[test]"' in test_command
    assert "python -m pytest" in test_command and "python -m pytest" in ci


def _readme_blocks(language: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", readme, flags=re.S)


def _readme_commands() -> list[str]:
    """Every ``infranet ...`` command of the README, those after an install command too."""
    lines = []
    for block in _readme_blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            lines += [part.strip() for part in line.split("&&")]
    return example_commands("\n".join(lines))


README_COMMANDS = _readme_commands()


def test_readme_has_a_tour():
    assert len(README_COMMANDS) >= 15
    assert any(c.startswith("infranet bench routing") for c in README_COMMANDS)


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """One folder for the whole tour: a command may read what an earlier one wrote."""
    return tmp_path_factory.mktemp("tour")


@pytest.mark.parametrize("command", README_COMMANDS)
def test_readme_command_runs(command: str, tour):
    run_example(command, tour)


def test_readme_python_runs(monkeypatch, capsys):
    (code,) = _readme_blocks("python")
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
    assert "san-antonio" in capsys.readouterr().out


def _undefined_names(code: str) -> set[str]:
    """Names a snippet reads that it neither imports nor assigns (nor Python builds in)."""
    import ast
    import builtins

    tree = ast.parse(code)
    bound = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)} - bound


def test_studies_snippets_import_what_they_use():
    text = (ROOT / "docs/studies.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        assert _undefined_names(block) == set(), block
    assert _undefined_names("x = run(1)") == {"run"}  # and a missing import is caught


def test_studies_paragraphs_start_as_sentences():
    """No paragraph or sentence of docs/studies.md begins mid-sentence (a fragment left
    after an edit)."""
    text = (ROOT / "docs/studies.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for paragraph in re.split(r"\n\s*\n", prose):
        if paragraph.startswith("    ") or not paragraph.strip():
            continue  # an indented code block
        first = paragraph.lstrip()
        assert not first.startswith("`if __name__"), paragraph
        assert not re.match(r"[a-z]", first), paragraph
    # nor a sentence (a fragment left behind) opens with a Python statement
    joined = " ".join(prose.split())
    assert not re.findall(r"[.!?] `(?:if|for|while|from|import) [^`]*`.{0,60}", joined)
