"""The restricted environment in which diagram scripts, conditions and timer expressions run.

A diagram is untrusted input: the default SpiffWorkflow environment is plain `eval`/`exec`.
Here code is compiled by RestrictedPython (no underscore names or attributes, guarded item and
attribute access), imports are refused at compile time, only whitelisted builtins and helpers
are visible, and a line budget stops endless loops.
"""
from __future__ import annotations

import ast
import operator
import sys
from functools import lru_cache, partial
from typing import Any, Callable

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment

from .problems import ScriptRefused

MAX_STEPS_EXECUTED = 1_000_000
_FILENAME = "<diagram>"

_EXTRA_BUILTINS = {name: __builtins__[name] if isinstance(__builtins__, dict)
                   else getattr(__builtins__, name)
                   for name in ("min", "max", "sum", "any", "all", "sorted", "enumerate",
                                "dict", "list", "set", "reversed", "map", "filter")}


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
            "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
            "|=": operator.ior, "&=": operator.iand}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise ScriptRefused(f"operator {op} is not allowed in diagram code")
    return _INPLACE[op](x, y)


def _restricted_globals() -> dict[str, Any]:
    return {
        "__builtins__": {**safe_builtins, **_EXTRA_BUILTINS},
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
    }


def _refuse_imports(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return  # RestrictedPython reports syntax errors with their line
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRefused(f"line {node.lineno}: imports are not allowed in diagram code")


@lru_cache(maxsize=2048)
def compile_expression(expression: str):
    _refuse_imports(expression)
    result = compile_restricted_eval(expression.strip(), filename=_FILENAME)
    if result.errors:
        raise ScriptRefused("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=2048)
def compile_script(script: str):
    _refuse_imports(script)
    result = compile_restricted_exec(script, filename=_FILENAME)
    if result.errors:
        raise ScriptRefused("; ".join(result.errors))
    return result.code


def check_code(source: str, *, expression: bool) -> str | None:
    """The reason a piece of diagram code is refused, or None if it compiles in the sandbox."""
    try:
        (compile_expression if expression else compile_script)(source)
    except ScriptRefused as exc:
        return str(exc)
    return None


def _run_bounded(fn: Callable[[], Any]) -> Any:
    """Run fn with a budget of executed bytecodes, so `while True: pass` ends with an error."""
    budget = [MAX_STEPS_EXECUTED]

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != _FILENAME:
            return None
        frame.f_trace_opcodes = True  # a one-line loop emits no line events, only opcodes
        if event == "opcode":
            budget[0] -= 1
            if budget[0] < 0:
                raise ScriptRefused(
                    f"diagram code ran more than {MAX_STEPS_EXECUTED:,} steps (an endless loop?)")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn()
    finally:
        sys.settrace(previous)


def reads_task_data(fn: Callable) -> Callable:
    """Mark a helper that needs the task's data: it is called as fn(data, *args)."""
    fn.reads_task_data = True
    return fn


class SandboxEnvironment(TaskDataEnvironment):
    """Task data plus whitelisted helpers; nothing else is reachable from diagram code."""

    def _helpers(self, context: dict) -> dict:
        return {name: (partial(fn, dict(context)) if getattr(fn, "reads_task_data", False)
                       else fn) for name, fn in self.globals.items()}

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        scope = {**_restricted_globals(), **self._helpers(context), **(external_context or {}),
                 **context}
        return _run_bounded(lambda: eval(code, scope))

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = compile_script(script)
        hidden = {**_restricted_globals(), **self._helpers(context), **(external_context or {})}
        scope = {**hidden, **context}
        _run_bounded(lambda: exec(code, scope))
        context.clear()
        context.update({k: v for k, v in scope.items()
                        if k not in hidden and not k.startswith("_") and not callable(v)})
        return True


def script_engine(helpers: dict[str, Callable] | None = None) -> PythonScriptEngine:
    return PythonScriptEngine(environment=SandboxEnvironment(dict(helpers or {})))
