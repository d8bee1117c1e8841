"""Camunda's JUEL expressions (`${...}`) translated to Python, when that can be done faithfully.

Only variables, literals, comparisons and the boolean operators translate; anything else
(method calls, beans, arithmetic) returns None and the importer reports it as a problem.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
)""", re.VERBOSE)
_WORD_OPS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
             "and": "&&", "or": "||", "not": "!"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_COMPARE = {"==", "!=", "<", ">", "<=", ">="}
_PY_RESERVED = {"True", "False", "None", "and", "or", "not", "is", "in", "if", "else",
                "lambda", "import", "def", "class", "return", "for", "while", "with", "yield",
                "from", "as", "pass", "del", "global", "nonlocal", "assert", "raise", "try",
                "except", "finally", "break", "continue", "async", "await"}


def _tokens(source: str) -> list[tuple[str, str]] | None:
    tokens, at = [], 0
    while at < len(source):
        if source[at:].strip() == "":
            break
        match = _TOKEN.match(source, at)
        if not match:
            return None  # something else: a method call, arithmetic, a ternary, ...
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "name" and value in _WORD_OPS:
            kind, value = "op", _WORD_OPS[value]
        elif kind == "name" and value in _LITERALS:
            kind, value = "lit", _LITERALS[value]
        elif kind == "name" and (value in _PY_RESERVED or value == "empty"):
            return None
        elif kind in ("num", "str"):
            kind = "lit"
        tokens.append((kind, value))
        at = match.end()
    return tokens


def juel_to_python(source: str) -> str | None:
    """A JUEL expression of variables, literals, comparisons, not/and/or, as Python; else None."""
    tokens = _tokens(source)
    if not tokens:
        return None
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def chain(operator: str, word: str, operand) -> str | None:
        """`operand (operator operand)*` joined with the Python `word`."""
        left = operand()
        while left is not None and peek() == ("op", operator):
            take()
            right = operand()
            left = None if right is None else f"{left} {word} {right}"
        return left

    def disjunction() -> str | None:
        return chain("||", "or", conjunction)

    def conjunction() -> str | None:
        return chain("&&", "and", negation)

    def negation() -> str | None:
        if peek() == ("op", "!"):
            take()
            inner = negation()
            return None if inner is None else f"not {inner}"
        return comparison()

    def comparison() -> str | None:
        left = operand()
        token = peek()
        if left is not None and token and token[0] == "op" and token[1] in _COMPARE:
            take()
            right = operand()
            return None if right is None else f"{left} {token[1]} {right}"
        return left

    def operand() -> str | None:
        token = peek()
        if token is None:
            return None
        if token == ("op", "("):
            take()
            inner = disjunction()
            if inner is None or peek() != ("op", ")"):
                return None
            take()
            return f"({inner})"
        if token[0] == "name":
            take()
            if peek() == ("op", "("):
                return None  # a function call
            return token[1]
        if token[0] == "lit":
            take()
            value = token[1]
            if value.startswith("'"):
                value = py_string(value[1:-1].replace("\\'", "'"))
            return value
        return None

    result = disjunction()
    return result if result is not None and pos == len(tokens) else None


def py_string(text: str) -> str:
    """A Python string literal of `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
