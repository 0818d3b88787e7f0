"""The verbatim-quote check: meaningful length, whole words, the nearest passage when missing.

Property tests (hypothesis) pin the normaliser: what it ignores (whitespace,
the glyph of quote marks) and what it must not (letters, case, word edges).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import conflictmap.seeds as seeds
from conflictmap.seeds import SourceDocument, load_source_document, normalise_quote

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "2017-10-26-memo-deir-ez-zor.txt"


@pytest.fixture(scope="module")
def doc() -> SourceDocument:
    return load_source_document(SEED)


@pytest.mark.parametrize(
    "quote",
    ["'\"\"'", '"', "“”", '"\u00a0', "\u00a0“ ”\u00a0", "a", "e", "Raqqa", "Last week", "  ", "the the"],
)
def test_fragments_and_quote_marks_alone_are_refused(doc, quote):
    check = doc.check_quote(quote)
    assert check.paragraphs == () and check.too_short
    assert "too short" in check.problem


def test_a_quote_must_start_and_end_on_word_boundaries(doc):
    assert doc.check_quote("the town of Mekhan, south of Al-Maydeen").paragraphs == (7,)
    assert doc.check_quote("he town of Mekhan, south of Al-Maydeen").paragraphs == ()  # starts inside "the"
    assert doc.check_quote("the town of Mekhan, south of Al-Mayd").paragraphs == ()  # ends inside a word
    assert doc.check_quote("ast week Raqqa, the Daesh’s so-called").paragraphs == ()


def test_whitespace_and_quote_glyphs_are_not_words(doc):
    assert doc.check_quote("Last   week\nRaqqa, the Daesh's so-called").paragraphs == (9,)
    assert doc.check_quote('"We are prepared to defend our partners').paragraphs == (16,)
    assert doc.check_quote('accusing it of a "barbaric" bombing campaign').paragraphs == (13,)


def test_a_missing_quote_suggests_the_nearest_passage(doc):
    check = doc.check_quote("fell to the US-backed, Kurdish-led, Syrian Defence Forces (SDF)", cited=9)
    assert check.problem.startswith("quote not found verbatim in 2017-10-26-memo-deir-ez-zor.txt")
    assert check.suggestion_paragraph == 9
    assert check.suggestion == "fell to the US-backed, Kurdish-led, Syrian Democratic Forces (SDF)"
    # The passage is shown as the document writes it (curly apostrophe kept).
    assert doc.check_quote("Last week Raqqa, the Daesh's so-called de facto capitol").suggestion == (
        "Last week Raqqa, the Daesh’s so-called de facto capital,"
    )
    assert doc.check_quote("Iraqi forces captured Tal Afar by 31 August").suggestion is None


def test_every_paragraph_holding_a_quote_is_listed(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("---\ntitle: t\n---\nThe army entered the city.\n\nLater the army entered the city again.\n")
    assert load_source_document(path).check_quote("the army entered the city").paragraphs == (2,)
    assert load_source_document(path).check_quote("army entered the city").paragraphs == (1, 2)


def test_each_document_is_normalised_once_not_once_per_quote(tmp_path, monkeypatch):
    calls = []
    original = seeds.normalise_quote
    monkeypatch.setattr(seeds, "normalise_quote", lambda text: calls.append(text) or original(text))
    path = tmp_path / "doc.txt"
    path.write_text("\n\n".join(f"Paragraph {n} says the army moved on day {n}." for n in range(200)))
    document = load_source_document(path)
    assert len(calls) == 200  # one per paragraph, when the document is read
    for n in range(50):
        assert document.check_quote(f"the army moved on day {n}.").paragraphs == (n + 1,)
    assert len(calls) == 200 + 50  # then one per quote, never the document again


def test_events_validation_refuses_a_quote_of_quote_marks(tmp_path):
    import shutil

    from conflictmap.errors import EventsFileError
    from conflictmap.events import load_events

    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    events = tmp_path / "events.yaml"
    text = (ROOT / "events.yaml").read_text(encoding="utf-8")
    old = "quote: after it launched a final assault on the city a week before"
    events.write_text(text.replace(old, "quote: '\"\"'"), encoding="utf-8")
    with pytest.raises(EventsFileError) as err:
        load_events(events)
    line = text[: text.index(old)].count("\n") + 1
    assert f"{events}:{line}: events[1].sources[0].quote: quote is too short to check" in str(err.value)


# ---------------------------------------------------------------------------
# Properties of the normaliser.

QUOTE_GLYPHS = {"'": "‘’‚‛′‹›ʼ`´", '"': "“”„‟″«»"}
words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8)
spaces = st.text(alphabet=" \t\n\u00a0\u2003", min_size=1, max_size=3)


@given(st.text())
def test_normalising_is_idempotent(text):
    once = normalise_quote(text)
    assert normalise_quote(once) == once
    assert once == once.strip() and "  " not in once


@given(st.text())
def test_the_passage_map_normalises_alike(text):
    """Suggestions use the character-by-character form; it must read text as the matcher does."""
    import unicodedata

    composed = unicodedata.normalize("NFC", text)
    by_char, origin = seeds._normalise(composed)
    assert len(origin) == len(by_char) and all(0 <= i < len(composed) for i in origin)
    assert normalise_quote(by_char) == by_char
    if text.isascii():
        assert by_char == normalise_quote(text)


@given(st.lists(words, min_size=1, max_size=8), st.data())
def test_whitespace_between_words_does_not_matter(parts, data):
    joined = parts[0] + "".join(data.draw(spaces) + p for p in parts[1:])
    assert normalise_quote(joined) == normalise_quote(" ".join(parts))


@given(st.lists(st.sampled_from(["'", '"']), min_size=1, max_size=6), st.data())
def test_quote_glyphs_read_as_straight_quotes(marks, data):
    curly = "".join(data.draw(st.sampled_from(QUOTE_GLYPHS[m])) for m in marks)
    assert normalise_quote(f"a{curly}b") == normalise_quote("a" + "".join(marks) + "b")


@given(st.text(alphabet=string.ascii_letters, min_size=1, max_size=20))
def test_letters_and_case_still_count(word):
    if word.swapcase() != word:
        assert normalise_quote(word) != normalise_quote(word.swapcase())


@settings(max_examples=200)
@given(st.data())
def test_any_run_of_whole_words_of_a_paragraph_is_found_there(data):
    document = load_source_document(SEED)
    number = data.draw(st.integers(1, len(document.paragraphs)))
    tokens = document.paragraphs[number - 1].split()
    if len(tokens) < 3:
        return
    start = data.draw(st.integers(0, len(tokens) - 3))
    stop = data.draw(st.integers(start + 3, len(tokens)))
    quote = data.draw(spaces).join(tokens[start:stop])
    check = document.check_quote(quote)
    if len(re.findall(r"\w+", normalise_quote(quote))) >= 3:
        assert number in check.paragraphs, (number, quote)


@settings(max_examples=200)
@given(st.data())
def test_cutting_into_the_first_word_is_never_found(data):
    document = load_source_document(SEED)
    number = data.draw(st.integers(1, len(document.paragraphs)))
    tokens = document.paragraphs[number - 1].split()
    if len(tokens) < 4 or not tokens[0][:2].isalpha():
        return
    first = tokens[0]
    cut = data.draw(st.integers(1, len(first) - 1)) if len(first) > 1 else 0
    if not cut or not first[cut - 1].isalnum() or not first[cut].isalnum():
        return
    quote = " ".join([first[cut:]] + tokens[1:4])
    assert number not in document.check_quote(quote).paragraphs
