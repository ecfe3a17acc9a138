"""The documents that users read stay true to the code."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_format_reference_is_generated_from_the_schema():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs/generate_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "docs/format.md").read_text(encoding="utf-8")
    assert module.regenerate(text) == text, "run: python docs/generate_reference.py"


def test_readme_commands_match_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", readme, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert "pip install -e '.[test]'" in test_command or 'pip install -e ".[test]"' in test_command
    assert "python -m pytest" in test_command and "python -m pytest" in ci
