"""Located problems in a diagram: what an author needs to fix it, never a stack trace."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    message: str
    element_id: str = ""
    file: str = ""
    line: int | None = None
    severity: str = "error"  # "error" refuses the diagram; "warning" is shown only

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        element = f" [{self.element_id}]" if self.element_id else ""
        return f"{where or '<diagram>'}{element}: {self.message}"

    def as_dict(self) -> dict:
        return {"message": self.message, "element_id": self.element_id, "file": self.file,
                "line": self.line, "severity": self.severity}


class DiagramInvalid(Exception):
    """A diagram was refused; `problems` lists every located reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems) or "invalid diagram")


class ScriptRefused(Exception):
    """A script or expression in a diagram tried something the sandbox does not allow."""


class WorkflowError(Exception):
    """The engine could not run a step (a failing condition, script or timer expression)."""
