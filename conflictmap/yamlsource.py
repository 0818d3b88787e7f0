"""Read a YAML file into plain Python values while remembering line numbers.

PyYAML's ``safe_load`` throws away where each value came from, yet every
validation message must name the line. Composing the node tree and building
values ourselves keeps a ``path -> line`` map beside the data. It also lets us
reject what ``safe_load`` silently accepts: duplicate keys (the later one
would win and an analyst's edit would vanish).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conflictmap.errors import EventsFileError, Problem

Path_ = tuple  # a path into the document: ("events", 3, "date", "start")


@dataclass
class YamlDocument:
    file: str
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

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
        raise EventsFileError([Problem(str(path), 0, "", "file not found")]) from None
    except OSError as exc:
        raise EventsFileError([Problem(str(path), 0, "", f"cannot read: {exc.strerror}")]) from None
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
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise EventsFileError([Problem(file, line, "", f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:  # e.g. control characters in the stream
        raise EventsFileError([Problem(file, 1, "", f"invalid YAML: {exc}")]) from None
    doc = YamlDocument(file=file, data=None)
    if node is None:
        doc.lines[()] = 1
        return doc
    problems: list[Problem] = []
    constructor = yaml.constructor.SafeConstructor()
    doc.data = _build(node, (), doc, constructor, problems)
    if problems:
        raise EventsFileError(problems)
    return doc


def _build(node, path, doc, constructor, problems):
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, _dotted(path), "keys must be plain text"))
                continue
            # The raw text, not the YAML 1.1 value: a key written `on:` or
            # `no:` must stay a name, not become True/False.
            key = key_node.value
            if key == "<<" and key_node.tag.endswith(":merge"):
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, _dotted(path), "YAML merge keys (<<) are not supported"))
                continue
            key = str(key)
            if key in out:
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, _dotted(path + (key,)),
                                        f"duplicate key (first given on line {doc.lines[path + (key,)]})"))
                continue
            out[key] = _build(value_node, path + (key,), doc, constructor, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, constructor, problems) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node)
    except (yaml.constructor.ConstructorError, ValueError) as exc:
        problems.append(Problem(doc.file, node.start_mark.line + 1, _dotted(path), f"cannot read value {node.value!r}: {exc}"))
        return None


def _dotted(path: tuple) -> str:
    """Render ("events", 3, "date") as events[3].date, the way messages name fields."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted
