"""The dependency rules of docs/architecture.md, read from the imports of every module."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize("package", ["engine", "bpmn"])
def test_core_never_imports_flask_or_web(package):
    bad = [(f, m) for f, m in imports_of(package)
           if m.split(".")[0] in {"flask", "flask_login", "flask_wtf", "flask_babel", "web",
                                  "werkzeug"}]
    assert bad == []


@pytest.mark.parametrize("package", ["engine", "web", "tests"])
def test_only_bpmn_imports_spiffworkflow(package):
    allowed_test_files = set()
    bad = [(f, m) for f, m in imports_of(package)
           if m.split(".")[0] == "SpiffWorkflow" and f not in allowed_test_files]
    assert bad == []


def test_bpmn_does_not_import_the_engine():
    assert [(f, m) for f, m in imports_of("bpmn") if m.split(".")[0] in {"engine", "web"}] == []


def test_the_checker_sees_imports():
    """Guard against a checker that passes because it reads nothing."""
    modules = {m for _, m in imports_of("bpmn")}
    assert "SpiffWorkflow.bpmn.workflow" in modules
    assert any(m.startswith("flask") for _, m in imports_of("web"))
