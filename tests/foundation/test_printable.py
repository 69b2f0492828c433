"""printable(): what reaches a screen holds no control, escape or bidi character."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from console.model.text import BIDI_CONTROLS, map_strings, markdown_inline, printable

HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil\x1b\\x\u009b31m\u202eabc\x00\x08\r"
# Text as it arrives: any code point, surrogates and controls included.
anything = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
hostile_mix = st.lists(
    st.sampled_from(
        ["\x1b", "\x07", "\x00", "\x08", "\r", "\n", "\t", "\x7f", "\u009b", "\u0085"]
        + ["\u202e", "\u2066", "\u200f", "\u2028", "[@click=app.quit]", "é", "日本", "👩‍👧", "a"]
    ),
    max_size=30,
).map("".join)


def bad(ch: str, multiline: bool) -> bool:
    c = ord(ch)
    if ch == "\n":
        return not multiline
    return (
        c < 0x20
        or 0x7F <= c < 0xA0
        or c in BIDI_CONTROLS
        or c in (0x2028, 0x2029)
        or 0xD800 <= c < 0xE000
    )


@given(st.one_of(anything, hostile_mix), st.booleans())
@example(HOSTILE, False)
@example(HOSTILE, True)
def test_output_holds_no_control_character(text, multiline):
    out = printable(text, multiline)
    assert not [ch for ch in out if bad(ch, multiline)]
    assert printable(out, multiline) == out  # idempotent


@given(st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))), st.booleans())
@example("Orders DB failover — café 日本語 👩‍👩‍👧 [bold]x[/]", False)
def test_printable_text_is_unchanged(text, multiline):
    assert printable(text, multiline) == text


@given(anything)
def test_a_newline_is_kept_only_when_allowed(text):
    assert printable(text, multiline=True).count("\n") == text.replace("\r\n", "\n").count("\n")
    assert "\n" not in printable(text)


def test_the_stand_ins_are_visible():
    assert printable("a\x1b[2Jb") == "a␛[2Jb"
    assert printable("ring\x07") == "ring␇"
    assert printable("\u009b31m") == "\\u009b31m"
    assert printable("\u202eevil") == "\\u202eevil"
    assert printable("one\ntwo") == "one␤two"
    assert printable("one\r\ntwo\ttab", multiline=True) == "one\ntwo tab"
    assert printable("overwrite\rme") == "overwrite␍me"
    for ch in printable(HOSTILE):
        assert unicodedata.category(ch)[0] != "C"


@given(anything)
def test_markdown_inline_has_one_line_and_no_cell_or_link(text):
    out = markdown_inline(text)
    assert "\n" not in out
    assert not [ch for ch in out if bad(ch, False)]
    for ch in "|[]<>":  # each one escaped by a backslash
        i = out.find(ch)
        while i != -1:
            backslashes = len(out[:i]) - len(out[:i].rstrip("\\"))
            assert backslashes % 2 == 1, out
            i = out.find(ch, i + 1)


def test_map_strings_reaches_nested_text_only():
    data = {"title": "a\x1b", "n": 3, "roles": {"ic": "b\x07"}, "list": ["c\x00", None]}
    assert map_strings(data, printable) == {
        "title": "a␛",
        "n": 3,
        "roles": {"ic": "b␇"},
        "list": ["c␀", None],
    }


def test_every_character_made_visible_is_one_isprintable_refuses():
    """printable() hands back text that str.isprintable() accepts as it is: safe only
    while every character it must change is one isprintable() refuses."""
    changed = [c for c in range(0x110000) if bad(chr(c), multiline=False)]
    assert len(changed) > 2048  # the controls, the bidi controls and the surrogates
    assert [hex(c) for c in changed if chr(c).isprintable()] == []
