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

from conflictmap.collector import paused_gc
from conflictmap.errors import EventsFileError, Problem
from conflictmap.yamlerrors import explain as explain_yaml_error
from conflictmap.yamlerrors import yaml_lines

# Limits that keep a hostile or broken file from exhausting the machine:
# YAML aliases can expand exponentially ("billion laughs"), and deep nesting
# overflows Python's stack. What is capped is what aliases add: a file's own
# values cost memory in proportion to its size (the size limit of the reader
# bounds them), but an alias repeats a whole subtree for a few bytes, so a
# 1 KB file can ask for billions of values. Honest files use few aliases.
MAX_ALIAS_VALUES = 1_000_000

# libyaml's parser (when PyYAML was built with it) reads a 3,000-event file
# 10x faster than the pure-Python one, with the same line marks.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What YAML forbids in a stream (the pure-Python reader's rule); checked first
# so the message names the right line whichever parser runs.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_DEPTH = 60


def _line(event: yaml.Event) -> int:
    """The 1-based line an event starts on; line 1 for an event without a mark (PyYAML types it optional)."""
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 1


@dataclass
class YamlDocument:
    file: str
    data: Any
    # path -> line of the field's key (for mapping values) or of the value
    # (list items, the root): where an author looks to fix that field.
    lines: dict[tuple, int] = field(default_factory=dict)
    # Problems found while reading (unreadable values, duplicate keys); the
    # validator reports them together with its own, so one run lists all.
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[tuple] = field(default_factory=set)
    # The text as read, to explain a value by how it was written (an empty
    # value whose text went into a comment, an unquoted `no` read as false).
    text: str = ""

    def source_line(self, number: int) -> str:
        """Line ``number`` (from 1) of the text as written, or '' past the end."""
        lines = yaml_lines(self.text)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def line(self, path: tuple) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def read_text(path: Path | str) -> str:
    """Read a UTF-8 text file; only a regular file under the size limit (see :mod:`conflictmap.inputs`)."""
    from conflictmap.inputs import read_text as read_input_text

    return read_input_text(path)


def load_yaml(path: Path | str) -> YamlDocument:
    text = read_text(path)
    return parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Read ``text`` into plain values and lines; syntax errors raise, value errors are kept in ``doc.problems``."""
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
    doc = YamlDocument(file=file, data=None, text=text)
    try:
        with paused_gc():
            doc.data = _Builder(doc, yaml.parse(text, Loader=SAFE_LOADER), _Guard(file, MAX_ALIAS_VALUES)).document()
    except yaml.MarkedYAMLError as exc:
        line, message = explain_yaml_error(text, exc)
        raise EventsFileError([Problem(file, line, "", f"invalid YAML: {message}")]) from None
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
    doc.lines.setdefault((), 1)
    return doc


class _Guard:
    """Depth and alias accounting over the parser's events, before anything is expanded.

    Deep nesting is refused as it is met (libyaml's own composer recursed in C
    and crashed the process rather than raise). Each anchored value's
    expanded size is known when it closes, and each alias adds that size, so
    what aliases would add, and how deep they would nest, is known without
    building a billion values. Values written out in the file are not capped
    here, whatever their number: the reader's size limit bounds them.
    """

    def __init__(self, file: str, limit: int):
        self.file, self.limit = file, limit
        self.stack: list[list] = []  # open collections: [expanded size, height, anchor, line]
        self.anchors: dict[str, tuple[int, int, int]] = {}  # anchor -> (expanded size, height, line)
        self.open_anchors: set[str] = set()
        self.uses: dict[str, int] = {}
        self.added = 0

    def refuse(self, line: int, message: str) -> None:
        raise EventsFileError([Problem(self.file, line, "", message)])

    def start(self, event) -> None:
        line = _line(event)
        if len(self.stack) >= MAX_DEPTH:
            self.refuse(line, f"nested deeper than {MAX_DEPTH} levels")
        self.stack.append([1, 1, event.anchor, line])
        if event.anchor:
            self.open_anchors.add(event.anchor)

    def end(self) -> None:
        size, height, anchor, line = self.stack.pop()
        if anchor:
            self.anchors[anchor] = (size, height, line)
            self.open_anchors.discard(anchor)
        self._count(size, height)

    def scalar(self, event) -> None:
        if event.anchor:
            self.anchors[event.anchor] = (1, 1, _line(event))
        self._count(1, 1)

    def alias(self, event) -> None:
        name, line = event.anchor, _line(event)
        if name in self.open_anchors:
            self.refuse(line, f"the alias *{name} refers to the value containing it")
        if name not in self.anchors:
            return  # the builder reports an undefined alias
        size, height, anchor_line = self.anchors[name]
        self.uses[name] = self.uses.get(name, 0) + 1
        self.added += size
        if self.added > self.limit:
            self.refuse(
                anchor_line,
                f"YAML aliases would repeat more than {self.limit:,} values; the value anchored here "
                f"(&{name}, {size:,} values) is repeated by {self.uses[name]:,} aliases so far",
            )
        if len(self.stack) + height - 1 > MAX_DEPTH:
            self.refuse(line, f"the alias *{name} nests values deeper than {MAX_DEPTH} levels")
        self._count(size, height)

    def _count(self, size: int, height: int) -> None:
        if self.stack:
            self.stack[-1][0] += size
            self.stack[-1][1] = max(self.stack[-1][1], height + 1)

    def feed(self, event) -> None:
        if isinstance(event, _COLLECTION_START):
            self.start(event)
        elif isinstance(event, _COLLECTION_END):
            self.end()
        elif isinstance(event, yaml.ScalarEvent):
            self.scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self.alias(event)


_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_structure(text: str, file: str, limit: int = MAX_ALIAS_VALUES) -> None:
    """Refuse deep nesting and alias bombs in ``text`` (see ``_Guard``); parse_yaml does this as it builds."""
    guard = _Guard(file, limit)
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        guard.feed(event)


# Only plain data: a tag for anything else (!!python/..., !!set, !!omap) is refused.
CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Plain values and a line per path, straight from the parser's events.

    One pass: no node tree is composed (PyYAML's composer built a Python
    object per value and kept them all, which cost more than reading), the
    guard runs on the same events, and an alias reuses the value its anchor
    built (the guard has already bounded what that repetition costs).
    """

    def __init__(self, doc: YamlDocument, events, guard: _Guard):
        self.doc = doc
        self.events = iter(events)
        self.guard = guard
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()
        self.anchored: dict[str, Any] = {}
        self.anchor_marks: dict[str, Any] = {}

    def problem(self, event, path, message):
        self.doc.problems.append(Problem(self.doc.file, _line(event), _dotted(path), message))

    def next(self):
        event = next(self.events)
        self.guard.feed(event)
        return event

    def document(self) -> Any:
        self.next()  # stream start
        event = self.next()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        data = self.value(self.next(), ())
        self.next()  # document end
        event = self.next()
        if not isinstance(event, yaml.StreamEndEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None, "but found another document", event.start_mark
            )
        return data

    def value(self, event, path: tuple, line: int | None = None) -> Any:
        doc = self.doc
        doc.lines[path] = line or _line(event)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchored:
                mark = event.start_mark  # libyaml's Mark when CSafeLoader parses: the same fields
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", mark)  # type: ignore[arg-type]
            return self.anchored[event.anchor]
        anchor = event.anchor
        if anchor is not None:
            if anchor in self.anchor_marks:
                raise yaml.composer.ComposerError(
                    f"found duplicate anchor {anchor!r}; first occurrence",
                    self.anchor_marks[anchor],
                    "second occurrence",
                    event.start_mark,
                )
            self.anchor_marks[anchor] = event.start_mark
        if isinstance(event, yaml.ScalarEvent):
            result = self.scalar(event, path)
        elif isinstance(event, yaml.SequenceStartEvent):
            result = self.sequence(event, path) if self.tag_ok(event, path, _SEQ) else self.skipped(path)
        else:
            result = self.mapping(event, path) if self.tag_ok(event, path, _MAP) else self.skipped(path)
        if anchor is not None:
            self.anchored[anchor] = result
        return result

    def tag_ok(self, event, path: tuple, plain: str) -> bool:
        tag = event.tag
        if tag is None or tag == "!" or tag == plain:
            return True
        self.problem(event, path, f"unsupported YAML tag {tag!r}")
        self.doc.unreadable.add(path)
        return False

    def sequence(self, start, path: tuple) -> list:
        items: list = []
        while True:
            event = self.next()
            if isinstance(event, yaml.SequenceEndEvent):
                return items
            items.append(self.value(event, path + (len(items),)))

    def mapping(self, start, path: tuple) -> dict:
        doc = self.doc
        out: dict = {}
        while True:
            key_event = self.next()
            if isinstance(key_event, yaml.MappingEndEvent):
                return out
            if not isinstance(key_event, yaml.ScalarEvent):
                self.problem(key_event, path, "keys must be plain text")
                self.skip(key_event)
                self.skip(self.next())
                continue
            # The raw text, not the YAML 1.1 value: a key written `on:` or
            # `no:` must stay a name, not become True/False.
            key = str(key_event.value)
            value_event = self.next()
            if key == "<<" and self.resolver.resolve(yaml.ScalarNode, key, key_event.implicit) == _MERGE:
                self.problem(key_event, path, "YAML merge keys (<<) are not supported: write the fields out")
                doc.unreadable.add(path)  # its fields are not all here: no "missing field" on top
                self.skip(value_event)
                continue
            if key in out:
                self.problem(
                    key_event,
                    path + (key,),
                    f"duplicate key (first given on line {doc.lines[path + (key,)]}); the first is kept",
                )
                self.skip(value_event)
                continue
            out[key] = self.value(value_event, path + (key,), _line(key_event))

    def scalar(self, event, path: tuple) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR:
            return event.value
        if tag not in CORE_TAGS:
            self.problem(event, path, f"unsupported YAML tag {tag!r}: write plain text, numbers or dates")
            self.doc.unreadable.add(path)
            return None
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except Exception as exc:  # any constructor failure is the file's problem, not a crash
            kind = tag.rsplit(":", 1)[-1]
            detail = str(exc) if isinstance(exc, ValueError) else f"not a valid {kind}"
            self.problem(event, path, f"cannot read value {event.value!r}: {detail}")
            self.doc.unreadable.add(path)
            return None

    def skip(self, event) -> None:
        """Consume the value that ``event`` starts (a scalar, an alias, or a whole collection)."""
        if isinstance(event, _COLLECTION_START):
            if event.anchor:
                self.anchored[event.anchor] = None
            self.skip_rest(None)
        elif getattr(event, "anchor", None) and not isinstance(event, yaml.AliasEvent):
            self.anchored[event.anchor] = None

    def skipped(self, path) -> Any:
        """The value of a collection that cannot be read: its events consumed, None in its place."""
        self.skip_rest(path)
        return None

    def skip_rest(self, path) -> None:
        """Consume events up to the end of the collection just opened."""
        depth = 1
        while depth:
            event = self.next()
            if isinstance(event, _COLLECTION_START):
                depth += 1
            elif isinstance(event, _COLLECTION_END):
                depth -= 1
        return None


def _dotted(path: tuple) -> str:
    """Render ("events", 3, "date") as events[3].date, the way messages name fields.

    Keys come from the file: any character that a terminal would act on
    (an escape sequence written as "\\e[31m" in a quoted key) is shown escaped.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = _printable(str(part))
            out += f".{name}" if out else name
    return out


_UNPRINTABLE_IN_KEY = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    return _UNPRINTABLE_IN_KEY.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


dotted = _dotted


def _codepoint(character) -> int:
    return character if isinstance(character, int) else ord(character)
