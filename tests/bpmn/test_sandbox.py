"""Diagram code runs in a restricted environment: the known escapes fail."""
from __future__ import annotations

import pytest

from bpmn.problems import ScriptRefused
from bpmn.sandbox import SandboxEnvironment, check_code

ESCAPES = [
    "import os",
    "from os import system",
    "__import__('os')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "getattr(x, '__class__')",
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('y = 1')",
    "globals()",
    "compile('1', 'f', 'eval')",
    "type(x).mro()",
]


@pytest.mark.parametrize("code", ESCAPES)
def test_escapes_fail_in_scripts(code):
    env = SandboxEnvironment({})
    with pytest.raises((ScriptRefused, NameError, AttributeError, TypeError)):
        env.execute(f"y = {code}" if not code.startswith(("import", "from")) else code,
                    {"x": 1})


@pytest.mark.parametrize("code", ["__import__('os')", "x.__class__", "import os"])
def test_escapes_are_refused_before_running(code):
    assert check_code(code, expression=not code.startswith("import")) is not None


def test_endless_loop_is_stopped():
    with pytest.raises(ScriptRefused, match="steps"):
        SandboxEnvironment({}).execute("while True:\n    pass", {})


def test_ordinary_code_and_helpers_work():
    env = SandboxEnvironment({"double": lambda n: n * 2})
    context = {"amount": 3, "items": [1, 2, 3]}
    env.execute("total = double(amount) + sum(items)\nlabels = [str(i) for i in items]", context)
    assert context == {"amount": 3, "items": [1, 2, 3], "total": 12, "labels": ["1", "2", "3"]}
    assert env.evaluate('outcome == "approve"', {"outcome": "approve"}) is True
    assert "double" not in context  # helpers never leak into task data
