"""Run a model of :mod:`conflictmap.schema` over YAML values and say what is wrong in the file's terms.

pydantic reports each problem with a location (a path into the data) and a
kind. Here each becomes a ``Problem``: the path becomes the line the author
edits (the YAML reader kept a line per path) and the dotted field name, and
the kind becomes a sentence in the project's words, using the published JSON
Schema to name what was expected (the fields a mapping allows, the values a
choice allows, a number's range). The way a value was written is used to
explain YAML surprises: ``colour: #0072B2`` is an empty value followed by a
comment, ``country: NO`` is the boolean false.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from conflictmap.collector import paused_gc
from conflictmap.errors import Problem
from conflictmap.schema import PATTERN_MESSAGES, UNION_TAGS, RuleViolations, json_schema
from conflictmap.yamlsource import YamlDocument, dotted

M = TypeVar("M", bound=BaseModel)


def validate_model(model: type[M], doc: YamlDocument, references: Any = None) -> tuple[M | None, list[Problem]]:
    """Validate ``doc.data`` with ``model``; (the instance or None, every problem found)."""
    try:
        with paused_gc():  # the model is a large tree of new objects, as the YAML values were
            return model.model_validate(doc.data, context={"references": references}), []
    except ValidationError as exc:
        schema = _schema(model)
        problems: list[Problem] = []
        seen: set[tuple[int, str, str]] = set()
        for error in exc.errors(include_url=False):
            for problem in _problems(error, doc, schema):
                key = (problem.line, problem.field, problem.message)
                if key not in seen:
                    seen.add(key)
                    problems.append(problem)
        return None, problems


@cache
def _schema(model: type[BaseModel]) -> dict:
    return json_schema(model)


def _problems(error: ErrorDetails, doc: YamlDocument, schema: dict) -> list[Problem]:
    kind = error["type"]
    loc = _without_union_tags(tuple(error["loc"]))
    value = error.get("input")
    ctx = error.get("ctx") or {}

    if kind == "value_error" and isinstance(ctx.get("error"), RuleViolations):
        # A rule over a value part of which could not be read would judge a gap, not the file.
        return [
            _at(doc, loc + tuple(sub), message)
            for sub, message in ctx["error"].items
            if not _unreadable(doc, loc + tuple(sub)) and not _unreadable_below(doc, loc + tuple(sub))
        ]
    if _unreadable(doc, loc):
        return []  # the YAML reader already said why this value could not be read
    if loc and loc[-1] == "[key]":  # a mapping key that is not an id
        return [_at(doc, loc[:-1], _pattern_message(ctx.get("pattern"), value))]
    if kind == "missing":
        return [_at(doc, loc[:-1], f"missing required field '{loc[-1]}'")]
    if kind == "extra_forbidden":
        allowed = sorted((_branch(schema, _node(schema, loc[:-1]), "object") or {}).get("properties", {}))
        return [_at(doc, loc, f"unknown field (expected one of: {', '.join(allowed)})")]
    if value is None:
        return [_at(doc, loc, _empty_message(doc, loc))]
    if kind in ("string_type", "float_type", "int_type", "dict_type", "model_type", "list_type", "date_type"):
        return [_at(doc, loc, _type_message(doc, loc, kind, value))]
    if kind == "string_pattern_mismatch":
        return [_at(doc, loc, _pattern_message(ctx.get("pattern"), value))]
    if kind == "literal_error":
        return [_at(doc, loc, _choice_message(schema, loc, value))]
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return [_at(doc, loc, _range_message(schema, loc, value))]
    if kind == "too_short":
        what = "list" if isinstance(value, list) else "mapping"
        return [_at(doc, loc, f"must be a non-empty {what}")]
    if kind in ("control_character", "date", "view"):
        return [_at(doc, loc, ctx.get("message") or error["msg"])]
    return [_at(doc, loc, error["msg"])]


def _without_union_tags(loc: tuple) -> tuple:
    """Drop the branch names pydantic adds after a union-valued field (``view``); they are not fields."""
    out: list = []
    for part in loc:
        if isinstance(part, str) and part in UNION_TAGS and out and out[-1] == "view":
            continue
        out.append(part)
    return tuple(out)


def _at(doc: YamlDocument, path: tuple, message: str) -> Problem:
    return Problem(doc.file, doc.line(path), dotted(path), message)


def _unreadable(doc: YamlDocument, path: tuple) -> bool:
    return any(path[:n] in doc.unreadable for n in range(len(path) + 1))


def _unreadable_below(doc: YamlDocument, path: tuple) -> bool:
    return any(bad[: len(path)] == path for bad in doc.unreadable)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    return names.get(type(value), type(value).__name__)


_COMMENT_AFTER_KEY = re.compile(r":\s+(#.*?)\s*$")


def _written(doc: YamlDocument, path: tuple) -> str | None:
    """The value of ``path`` as written on its line (``key: VALUE  # comment``), if it is there."""
    if not path or not isinstance(path[-1], str):
        return None
    line = doc.source_line(doc.line(path))
    match = re.search(rf"(?:^|[\s{{,-]){re.escape(path[-1])}\s*:\s+(.*?)\s*(?:\s#.*)?$", line)
    if not match or not match.group(1) or match.group(1)[0] in "[{|>":
        return None
    return match.group(1).rstrip(",}")


def _empty_message(doc: YamlDocument, path: tuple) -> str:
    if not path:
        return "the file is empty (it should be a mapping of fields)"
    line = doc.source_line(doc.line(path))
    comment = _COMMENT_AFTER_KEY.search(line)
    if comment and isinstance(path[-1], str):
        text = comment.group(1)
        return (
            f"has no value: YAML reads {text!r} as a comment, so the value is empty; "
            f"quote values that start with '#': {path[-1]}: {_double_quoted(text)}"
        )
    return "has no value; write one (or remove the line if the field is optional)"


def _type_message(doc: YamlDocument, path: tuple, kind: str, value: Any) -> str:
    got = _kind(value)
    if kind in ("dict_type", "model_type"):
        return f"must be a mapping of fields, got {got}"
    if kind == "list_type":
        return f"must be a list, got {got}"
    if kind in ("float_type", "int_type"):
        return f"must be a {'whole ' if kind == 'int_type' else ''}number, got {got}"
    if kind == "date_type":
        return f"must be a date (YYYY-MM-DD), got {got}"
    # Text expected. YAML gives unquoted true/false, yes/no, on/off, numbers and dates their own types.
    written = _written(doc, path)
    if isinstance(value, (bool, int, float, dt.date)) and written:
        return f"must be text, but YAML reads {written} as {got}: quote it, e.g. {path[-1]}: {_double_quoted(written)}"
    return f"must be non-empty text, got {got}"


def _pattern_message(pattern: str | None, value: Any) -> str:
    template = PATTERN_MESSAGES.get(pattern or "")
    if template is None:
        return f"{value!r} does not match the pattern {pattern}"
    return template.format(value=value)


def _choice_message(schema: dict, path: tuple, value: Any) -> str:
    node = _node(schema, path)
    options = _enum(node)
    if path == ("format",):
        return f"unsupported format {value!r} (this version reads {', '.join(map(str, options))})"
    if options:
        return f"{value!r} is not one of: {', '.join(map(str, options))}"
    return f"{value!r} is not allowed here"


def _range_message(schema: dict, path: tuple, value: Any) -> str:
    node = _number_node(_node(schema, path))
    lo, hi = node.get("minimum"), node.get("maximum")
    if path and path[-1] == "paragraph":
        return f"must be a paragraph number from 1, got {value!r}"
    if lo is not None and hi is not None:
        return f"{value} is out of range [{lo}, {hi}]"
    if lo is not None:
        return f"must be at least {lo}, got {value}"
    return f"must be at most {hi}, got {value}"


def _double_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------
# Finding the schema of a value by its path.


def _node(schema: dict, path: tuple) -> dict:
    """The (dereferenced) schema node describing the value at ``path``, or {} when unknown.

    Optional values and unions are ``anyOf``/``oneOf`` in the schema: the
    branch followed is the one that is a mapping (for a field name) or a list
    (for an index).
    """
    node = _deref(schema, schema)
    for part in path:
        container = _branch(schema, node, "array" if isinstance(part, int) else "object")
        if container is None:
            return {}
        if isinstance(part, int):
            node = _deref(schema, container.get("items", {}))
        elif part in container.get("properties", {}):
            node = _deref(schema, container["properties"][part])
        elif container.get("patternProperties"):
            node = _deref(schema, next(iter(container["patternProperties"].values())))
        else:
            return {}
    return node


def _branch(schema: dict, node: dict, want: str) -> dict | None:
    """The branch of ``node`` (itself, or inside anyOf/oneOf) that is an object or an array."""
    node = _deref(schema, node)
    if node.get("type") == want or (want == "object" and "properties" in node) or (want == "array" and "items" in node):
        return node
    for branch in node.get("anyOf", []) + node.get("oneOf", []):
        found = _branch(schema, branch, want)
        if found is not None:
            return found
    return None


def _deref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _enum(node: dict) -> list:
    if "enum" in node:
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    for branch in node.get("anyOf", []) + node.get("oneOf", []):
        found = _enum(branch)
        if found:
            return found
    return []


def _number_node(node: dict) -> dict:
    if "minimum" in node or "maximum" in node:
        return node
    for branch in node.get("anyOf", []) + node.get("oneOf", []):
        found = _number_node(branch)
        if "minimum" in found or "maximum" in found:
            return found
    return node


# ---------------------------------------------------------------- warnings

# Explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make text display in
# another order than it is stored ("Trojan Source", CVE-2021-42574), so what a reader sees in the app or
# an export can differ from what the file says. Right-to-left text never needs them to display correctly.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# The left-to-right and right-to-left marks are ordinary in Arabic or Hebrew text; in text without any
# right-to-left letter they have nothing to order, so they are there for another reason.
BIDI_MARKS = re.compile("[\u200e\u200f]")
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
BIDI_NAMES = {
    0x200E: "LEFT-TO-RIGHT MARK",
    0x200F: "RIGHT-TO-LEFT MARK",
    0x202A: "LEFT-TO-RIGHT EMBEDDING",
    0x202B: "RIGHT-TO-LEFT EMBEDDING",
    0x202C: "POP DIRECTIONAL FORMATTING",
    0x202D: "LEFT-TO-RIGHT OVERRIDE",
    0x202E: "RIGHT-TO-LEFT OVERRIDE",
    0x2066: "LEFT-TO-RIGHT ISOLATE",
    0x2067: "RIGHT-TO-LEFT ISOLATE",
    0x2068: "FIRST STRONG ISOLATE",
    0x2069: "POP DIRECTIONAL ISOLATE",
}


def bidi_control(text: str) -> re.Match | None:
    """The first bidirectional control character in ``text`` that may hide its real order, or None."""
    found = BIDI_CONTROLS.search(text)
    if found is None and not RIGHT_TO_LEFT.search(text):
        found = BIDI_MARKS.search(text)
    return found


def bidi_warnings(doc: YamlDocument) -> list[Problem]:
    """A warning (not an error: the text may be right) for each text or key with a bidi control in it.

    The values are walked with an explicit stack, so a deeply nested file cannot exhaust recursion.
    """
    warnings: list[Problem] = []
    stack: list[tuple[tuple, Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    _warn_bidi(doc, (*path, key), key, warnings, "key")
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
        elif isinstance(value, str):
            _warn_bidi(doc, path, value, warnings, "text")
    return sorted(warnings)


def _warn_bidi(doc: YamlDocument, path: tuple, text: str, warnings: list[Problem], what: str) -> None:
    found = bidi_control(text)
    if found is None:
        return
    code = ord(found.group())
    warnings.append(
        Problem(
            doc.file,
            doc.line(path),
            dotted(path),
            f"warning: {what} contains the bidirectional control character U+{code:04X} ({BIDI_NAMES[code]}) "
            f"at position {found.start() + 1}; it can make the text display in another order than it is "
            "written. Remove it unless you put it there on purpose.",
        )
    )
