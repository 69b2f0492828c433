"""LineIndex puts each key on the line where it starts, whatever the values before it
span: text inside strings and arrays that looks like a key or a header is not one."""

from __future__ import annotations

import textwrap
import tomllib

from console.model.toml_lines import LineIndex


def index(text: str) -> LineIndex:
    text = textwrap.dedent(text).lstrip("\n")
    tomllib.loads(text)  # the cases are valid TOML: the scanner never sees anything else
    return LineIndex(text)


def test_keys_after_multi_line_strings_and_arrays():
    ix = index(
        '''
        [[teams]]
        id = "a"
        note = """ends with quotes ""\"""
        escaped = """ \\""" is not the end
        id = "inside"
        [[teams]]
        """
        literal = \'\'\'
        id = 'inside'
        \'\'\'
        matrix = [
          ["looks", "like"],
          ["a"]
        ]
        tail = "a \\" quote" # [[teams]]
        last = 1

        [[teams]]
        id = "b"
        '''
    )
    assert ix.line("teams", 0) == 1
    assert ix.line("teams", 0, "id") == 2
    assert ix.line("teams", 0, "escaped") == 4
    assert ix.line("teams", 0, "literal") == 8
    assert ix.line("teams", 0, "matrix") == 11
    assert ix.line("teams", 0, "tail") == 15
    assert ix.line("teams", 0, "last") == 16
    assert ix.line("teams", 1) == 18  # the [[teams]] inside a string did not count
    assert ix.line("teams", 1, "id") == 19


def test_dotted_and_quoted_keys_and_headers():
    ix = index(
        """
        [notify]
        SEV1.repeats = 3
        "quoted key" = 1
        'literal key' = 2

        [notify . SEV2]
        repeats = 1
        """
    )
    assert ix.line("notify", "SEV1") == 2
    assert ix.line("notify", "SEV1", "repeats") == 2
    assert ix.line("notify", "quoted key") == 3
    assert ix.line("notify", "literal key") == 4
    assert ix.line("notify", "SEV2", "repeats") == 7


def test_unknown_paths_fall_back_to_the_nearest_known_line():
    ix = index(
        """
        [meta]
        name = "x"
        """
    )
    assert ix.line("meta", "nope") == 1
    assert ix.line("nothing", "here") == 1
