"""YAML syntax errors in plain words, with the fix, on the line to edit.

The parser's own words ("mapping values are not allowed here", "did not find
expected key") describe its state, not the author's mistake, and the line it
names is where it gave up, which is sometimes not where the mistake is (an
unclosed quote is reported at the end of the file). ``explain`` looks at the
error and the text around it and says what an author usually did: a value
holding ': ' or ' #', a tab, a quote or bracket never closed, a line indented
differently from its neighbours, a value starting with a character YAML
reserves. Anything it does not recognise keeps the parser's wording.
"""

from __future__ import annotations

import re

import yaml

_KEY_VALUE = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[^\s#'\"{}\[\],:][^:#]*?)\s*:\s+(?P<value>.*)$")
_RESERVED_START = {
    "@": "'@'",
    "`": "'`'",
    "%": "'%'",
    "*": "'*' (an alias)",
    "&": "'&' (an anchor)",
    "!": "'!' (a tag)",
}


#: What YAML counts as a line break (PyYAML's reader): its marks count lines by these, so the
#: text's lines must be split the same way, or a file with old Mac (CR) line ends is one long line.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_lines(text: str) -> list[str]:
    """The lines of ``text`` as YAML numbers them (the n-th is at index n - 1)."""
    return LINE_BREAK.split(text)


def explain(text: str, exc: yaml.YAMLError) -> tuple[int, str]:
    """(line, message) for a YAML syntax error in ``text``; lines count from 1.

    The caller prefixes "invalid YAML: "; the message says what to change.
    """
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    lines = yaml_lines(text)
    line_no = mark.line + 1 if mark else 1
    column = mark.column if mark else 0
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""

    if "nesting depth" in problem:
        return line_no, "values are nested too deeply (brackets or indentation hundreds of levels deep)"

    tab_line = _tab_indented_line(lines, line_no)
    if tab_line or "tab" in problem:
        at = tab_line or line_no
        return at, "a tab is used for indentation; YAML indents with spaces only: replace the tab(s) with spaces"

    if "quoted scalar" in context and context_mark is not None:
        opened = context_mark.line + 1
        quote = _char_at(lines, context_mark.line, context_mark.column) or '"'
        return opened, (
            f"the quote {quote} opened on this line is never closed: end the value with {quote} "
            "(inside a value, write \\\" in double quotes or '' in single quotes)"
        )

    if "flow sequence" in context or "flow mapping" in context:
        opened = (context_mark.line + 1) if context_mark is not None else line_no
        bracket = "[" if "sequence" in context else "{"
        closing = "]" if bracket == "[" else "}"
        start_line = lines[opened - 1] if 0 < opened <= len(lines) else ""
        if " #" in start_line:
            return opened, (
                f"the '{bracket}' on this line is cut short by ' #', which YAML reads as the start of a comment: "
                "quote values that start with '#'"
            )
        if opened == line_no and column < len(line) and line[column] == ":":
            return line_no, (
                f"a value inside '{bracket} {closing}' contains ': '; quote values that contain ': ' "
                f'(e.g. {{note: "a: b"}})'
            )
        return opened, (
            f"the '{bracket}' opened on this line is not closed with '{closing}' before the line ends; "
            f"close it, and quote values that contain ', ', ': ', '{bracket}' or '{closing}'"
        )

    if "mapping values are not allowed" in problem:
        match = _KEY_VALUE.match(line)
        if match and column > match.end("key") and ": " in match.group("value") + " ":
            key, value = match.group("key"), match.group("value")
            return line_no, (
                f"the value of '{key}' contains ': ', which YAML reads as another key; "
                f"quote values that contain ': ', e.g. {key}: {_quoted(_strip_comment(value))}"
            )
        above = _previous_content_line(lines, line_no)
        where = f" on line {above}" if above else ""
        return line_no, (
            f"YAML reads this line as the rest of the value{where} (it is indented more than that line's key), "
            "and a value cannot continue with 'key: value'. If this is a new field, indent it like the fields "
            "above it; if it continues the text, quote the whole value (quote values that contain ': ')"
        )

    if "undefined alias" in problem:
        return line_no, (
            "'*' starts a YAML alias and no anchor of that name was defined: quote values that start with '*'"
        )

    if "cannot start any token" in problem:
        char = _char_at(lines, line_no - 1, column)
        what = _RESERVED_START.get(char or "", repr(char) if char else "this character")
        return line_no, f"YAML reserves {what} at the start of a value: quote the value"

    if "block scalar" in context:
        return line_no, (
            "after '|' or '>' only '-', '+' or an indentation digit may follow on the same line: "
            "start the text on the next line, indented"
        )

    block_parse = "block mapping" in context or "block collection" in context
    if block_parse or "expected <block end>" in problem or "did not find expected" in problem:
        indent = len(line) - len(line.lstrip(" "))
        if column > indent and _closed_quote_before(line, column):
            opened = _quoted_scalar_start(text, line_no)
            if opened is not None and opened < line_no:
                quote = _char_at(lines, opened - 1, _quote_column(lines[opened - 1])) or '"'
                return opened, (
                    f"the quote {quote} opened on this line is not closed on it, so YAML reads on to the "
                    f"{quote} on line {line_no}: end the value with {quote} on this line "
                    "(a quote mark inside a value must be doubled ('') in single quotes or escaped (\\\") in double)"
                )
            return line_no, (
                "text follows a closing quote: a value that starts with a quote mark must also end with it; "
                f"quote the whole value, e.g. {_requoted(line)}"
            )
        levels = _open_indents(lines, line_no)
        fits = f"; the blocks open above it are indented {_or_list(levels)}" if levels else ""
        return line_no, (
            f"bad indentation: this line is indented {indent} space{'s' if indent != 1 else ''}{fits}. "
            "Give the fields of one mapping, and the items of one list, the same indentation"
        )

    parts = " ".join(x for x in (context, problem) if x) or " ".join(str(exc).split())
    return line_no, f"{parts} (quote values that contain ': ', ' #' or start with a special character)"


def _tab_indented_line(lines: list[str], line_no: int) -> int | None:
    """The line (this one or just above) whose indentation holds a tab."""
    for n in (line_no, line_no - 1):
        if 0 < n <= len(lines):
            lead = lines[n - 1][: len(lines[n - 1]) - len(lines[n - 1].lstrip(" \t"))]
            if "\t" in lead and lines[n - 1].strip():
                return n
    return None


def _char_at(lines: list[str], line_index: int, column: int) -> str | None:
    if 0 <= line_index < len(lines) and 0 <= column < len(lines[line_index]):
        return lines[line_index][column]
    return None


def _previous_content_line(lines: list[str], line_no: int) -> int | None:
    for n in range(line_no - 1, 0, -1):
        stripped = lines[n - 1].strip()
        if stripped and not stripped.startswith("#"):
            return n
    return None


def _quoted_scalar_start(text: str, line_no: int) -> int | None:
    """The line where the quoted value that ends on ``line_no`` began, found by re-scanning the tokens."""
    start = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line + 1 > line_no:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and token.end_mark.line + 1 == line_no:
                start = token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return start


def _quote_column(line: str) -> int:
    found = [i for i in (line.find('"'), line.find("'")) if i >= 0]
    return min(found) if found else 0


def _requoted(line: str) -> str:
    """The line's ``key: value`` with the value quoted so that YAML reads all of it."""
    match = _KEY_VALUE.match(line)
    if not match:
        return "title: '\"Raqqa\" falls'"
    key, value = match.group("key"), _strip_comment(match.group("value"))
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return f"{key}: {_quoted(value)}"


_STRUCTURE_LINE = re.compile(r"^( *)(?:- +|-$|[^\s#'\"][^:#]*:(?:\s|$))")


def _open_indents(lines: list[str], line_no: int) -> list[int]:
    """Indentations of the mappings and lists still open before ``line_no``, outermost first.

    Walking up, each structural line (``key:`` or ``- item``) indented less
    than everything seen so far opens a block that the next line may continue.
    """
    levels: set[int] = set()
    for n in range(line_no - 1, 0, -1):
        line = lines[n - 1]
        match = _STRUCTURE_LINE.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        deepest_open = min(levels, default=len(line) + 1)
        if indent < deepest_open:
            levels.add(indent)
            if line[indent:].startswith("-"):  # "- key: value" opens a mapping where its key starts
                content = len(line) - len(line[indent + 1 :].lstrip(" "))
                if content < deepest_open and line[content:].strip():
                    levels.add(content)
        if indent == 0:
            break
    return sorted(levels)


def _or_list(numbers: list[int]) -> str:
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _closed_quote_before(line: str, column: int) -> bool:
    before = line[:column].rstrip()
    return before.endswith(('"', "'"))


def _strip_comment(value: str) -> str:
    cut = value.find(" #")
    return (value[:cut] if cut >= 0 else value).strip()


def _quoted(value: str) -> str:
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"
