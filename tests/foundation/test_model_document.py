"""`model --markdown` writes the model's tables; docs/model.md is its output for the
defaults and must never go stale."""

from __future__ import annotations

import textwrap
from pathlib import Path

from console.model.document import model_markdown
from console.model.org import load_org

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
REGENERATE = "regenerate it: incident-console model --markdown > docs/model.md"


def test_the_committed_document_is_the_commands_output(run):
    r = run("model", "--markdown")
    assert r.code == 0, r.err
    assert DOC.read_text("utf-8") == r.out, f"docs/model.md is stale; {REGENERATE}"


def test_the_readme_links_to_the_document():
    readme = (DOC.parents[1] / "README.md").read_text("utf-8")
    assert "(docs/model.md)" in readme


def section(text: str, title: str) -> list[str]:
    """The table rows of one `## title` section: its header, then one per entry."""
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line.startswith("| ")]


def row(lines: list[str], first: str) -> list[str]:
    return next(
        [c.strip() for c in line.strip("|").split(" | ")]
        for line in lines
        if line.startswith(f"| {first} |")
    )


def test_every_table_of_the_model_is_there():
    text = model_markdown(load_org())
    for title in (
        "Where the model applies",
        "Technical layers",
        "Team types",
        "Responsibility by severity",
        "Responsibility by technical domain",
        "Escalation steps",
        "Architecture patterns",
        "Maturity levels",
        "Practice steps",
        "Design principles",
    ):
        assert f"\n## {title}\n" in text, title
    assert len(section(text, "Technical layers")) == 1 + 4
    assert len(section(text, "Responsibility by technical domain")) == 1 + 6
    assert len(section(text, "Maturity levels")) == 1 + 4
    assert len(section(text, "Practice steps")) == 1 + 4


def test_the_source_rows_read_as_the_source_gives_them():
    text = model_markdown(load_org())
    sev1 = row(section(text, "Responsibility by severity"), "SEV1")
    assert sev1[1:6] == [
        "infrastructure support",
        "domain response",
        "overall coordination",
        "—",
        "decision making",
    ]
    db = row(section(text, "Responsibility by technical domain"), "Database")
    assert db == ["Database", "`data`", "Platform Engineering", "Product Engineering",
                  "Platform Engineering"]  # fmt: skip
    level2 = row(section(text, "Maturity levels"), "2")
    assert level2[3:] == ["30–60 min", "10–20%", "10–30 min", "—"]
    level4 = row(section(text, "Maturity levels"), "4")
    assert level4[5] == "—"  # the source sets no level-4 coordination time


def test_what_is_ours_or_derived_is_labelled_and_the_rest_is_not():
    text = model_markdown(load_org())
    rules = section(text, "Escalation steps")
    for line in rules[1:]:
        derived = "*derived:*" in line
        assert derived == (line.split(" | ")[0] in ("| SEV3", "| SEV4", "| SEV5")), line
    types = section(text, "Team types")
    assert "*ours:*" in row(types, "`security`")[-1]
    assert "*ours:*" in row(types, "`leadership`")[-1]
    assert row(types, "`platform`")[-1] == ""
    assert all("*ours:*" in line for line in section(text, "Architecture patterns")[1:])
    assert all("*ours:*" in line for line in section(text, "Practice steps")[1:])
    assert not any("*ours:*" in line for line in section(text, "Technical layers"))


def test_the_users_org_is_what_is_written_and_its_text_cannot_break_a_table(tmp_path, run):
    path = tmp_path / "org.toml"
    path.write_text(
        textwrap.dedent(
            """
            [meta]
            pattern = "product-led"

            [[layers]]
            id = "edge"
            name = "Edge | <b>CDN</b>"
            """
        ),
        "utf-8",
    )
    r = run("--org", str(path), "model", "--markdown")
    assert r.code == 0, r.err
    edge = next(x for x in r.out.splitlines() if x.startswith("| `edge` |"))
    assert r"Edge \| \<b\>CDN\</b\>" in edge
    assert edge.count(" | ") == 6  # still seven cells
    # The pattern in force moves SEV2 steps: the moved plan is written too.
    assert "As the pattern in force (Product-Led) moves them:" in r.out
    assert "| SEV2 | +30 min | `platform_support`, `sre_support` |" in r.out


def test_markdown_is_not_json_nor_a_check(run):
    r = run("model", "--markdown", "--json")
    assert r.code == 2 and "not both" in r.err
    r = run("model", "check", "--markdown")
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
