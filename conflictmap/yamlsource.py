"""Read a YAML file into plain Python values while remembering line numbers.

PyYAML's ``safe_load`` throws away where each value came from, yet every
validation message must name the line. Composing the node tree and building
values ourselves keeps a ``path -> line`` map beside the data. It also lets us
reject what ``safe_load`` silently accepts: duplicate keys (the later one
would win and an analyst's edit would vanish).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conflictmap.errors import EventsFileError, Problem

# Limits that keep a hostile or broken file from exhausting the machine:
# YAML aliases can expand exponentially ("billion laughs"), and deep nesting
# overflows Python's stack. Real events files are far below both.
MAX_NODES = 200_000

# libyaml's parser (when PyYAML was built with it) reads a 3,000-event file
# 10x faster than the pure-Python one, with the same line marks.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What YAML forbids in a stream (the pure-Python reader's rule); checked first
# so the message names the right line whichever parser runs.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_DEPTH = 60


@dataclass
class YamlDocument:
    file: str
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    # Problems found while reading (unreadable values, duplicate keys); the
    # validator reports them together with its own, so one run lists all.
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[tuple] = field(default_factory=set)

    def line(self, path: tuple) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def read_text(path: Path | str) -> str:
    """Read a UTF-8 text file; a bad byte becomes a Problem naming its line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EventsFileError([Problem(str(path), 1, "", "file not found")]) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise EventsFileError(
            [Problem(str(path), 1, "", f"cannot read: {getattr(exc, 'strerror', None) or exc}")]
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        msg = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        raise EventsFileError([Problem(str(path), line, "", msg)]) from None


def load_yaml(path: Path | str) -> YamlDocument:
    text = read_text(path)
    return parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Compose and build ``text``; syntax errors raise, value errors are kept in ``doc.problems``."""
    text = text.lstrip("\ufeff")  # a UTF-8 byte-order mark is not content
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise EventsFileError(
            [
                Problem(
                    file,
                    line,
                    "",
                    f"invalid YAML: control character U+{ord(bad.group()):04X} is not allowed (column {column})",
                )
            ]
        )
    try:
        _check_depth(text, file)
        node = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise EventsFileError([Problem(file, line, "", f"invalid YAML: {problem}")]) from None
    except yaml.reader.ReaderError as exc:  # control characters such as NUL
        line = text.count("\n", 0, exc.position) + 1
        raise EventsFileError(
            [
                Problem(
                    file,
                    line,
                    "",
                    f"invalid YAML: control character U+{_codepoint(exc.character):04X} is not allowed "
                    f"(column {exc.position - text.rfind(chr(10), 0, exc.position)})",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise EventsFileError([Problem(file, 1, "", f"invalid YAML: {' '.join(str(exc).split())}")]) from None
    except RecursionError:
        raise EventsFileError([Problem(file, 1, "", "invalid YAML: nested more than Python can read")]) from None
    doc = YamlDocument(file=file, data=None)
    if node is None:
        doc.lines[()] = 1
        return doc
    builder = _Builder(doc)
    try:
        doc.data = builder.build(node, ())
    except _TooBig as exc:
        raise EventsFileError([Problem(file, exc.line, "", str(exc))]) from None
    return doc


def _check_depth(text: str, file: str) -> None:
    """Refuse deep nesting before composing: libyaml's composer recurses in C
    and would crash the process rather than raise."""
    depth = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise EventsFileError([Problem(file, line, "", f"nested deeper than {MAX_DEPTH} levels")])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


# Only plain data: a tag for anything else (!!python/..., !!set, !!omap) is refused.
CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class _TooBig(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


class _Builder:
    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0

    def problem(self, node, path, message):
        self.doc.problems.append(Problem(self.doc.file, node.start_mark.line + 1, _dotted(path), message))

    def build(self, node, path):
        doc = self.doc
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(
                node.start_mark.line + 1,
                f"file too large: more than {MAX_NODES:,} values (YAML aliases may be expanding without limit)",
            )
        if len(path) > MAX_DEPTH:
            raise _TooBig(node.start_mark.line + 1, f"{_dotted(path[:3])}...: nested deeper than {MAX_DEPTH} levels")
        doc.lines[path] = node.start_mark.line + 1
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (
            "tag:yaml.org,2002:map",
            "tag:yaml.org,2002:seq",
        ):
            self.problem(node, path, f"unsupported YAML tag {node.tag!r}")
            doc.unreadable.add(path)
            return None
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(key_node, path, "keys must be plain text")
                    continue
                # The raw text, not the YAML 1.1 value: a key written `on:` or
                # `no:` must stay a name, not become True/False.
                key = str(key_node.value)
                if key == "<<" and key_node.tag.endswith(":merge"):
                    self.problem(key_node, path, "YAML merge keys (<<) are not supported")
                    continue
                if key in out:
                    self.problem(
                        key_node,
                        path + (key,),
                        f"duplicate key (first given on line {doc.lines[path + (key,)]}); the first is kept",
                    )
                    continue
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag not in CORE_TAGS:
            self.problem(node, path, f"unsupported YAML tag {node.tag!r}: write plain text, numbers or dates")
            doc.unreadable.add(path)
            return None
        try:
            return self.constructor.construct_object(node)
        except Exception as exc:  # any constructor failure is the file's problem, not a crash
            kind = node.tag.rsplit(":", 1)[-1]
            detail = str(exc) if isinstance(exc, ValueError) else f"not a valid {kind}"
            self.problem(node, path, f"cannot read value {node.value!r}: {detail}")
            doc.unreadable.add(path)
            return None


def _dotted(path: tuple) -> str:
    """Render ("events", 3, "date") as events[3].date, the way messages name fields."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def _codepoint(character) -> int:
    return character if isinstance(character, int) else ord(character)
