"""The docs point at things that exist: README.md, CHANGELOG.md (when present), docs/*.md.

The rule, for each page (text inside ``` fences is left out: it shows commands and trees):

- **Links.** Every markdown link or image ``[text](target)`` whose target is not a URL
  (``scheme:``) must name an existing file, relative to the page; a ``#fragment`` must be a
  heading of the target page (GitHub's slug: lower case, punctuation dropped, spaces to
  hyphens).
- **Paths in backticks.** A code span that holds a ``/`` and nothing that marks it as not a
  path is a path from the repository root, and its first segment decides:
  a top-level entry of the repository (``contract``, ``tests``, ``.streamlit`` ...): it
  must exist; one of ``NOT_IN_REPOSITORY`` (folders made at run time such as
  ``data/warehouse/...``, asset keys such as ``staging/enrollment``, run tags): not
  checked; anything else: an error, so a typo in the first segment fails too.
  Not paths: spans with whitespace, a placeholder or glob (``<`` ``>`` ``*`` ``?`` ``[``
  ``{``), ``$``, ``#``, ``!`` or ``;``, URLs, absolute paths (``/proc``: the machine's) and
  paths starting with ``..`` (outside the repository). Bare file names without a ``/``
  (``data.py`` beside the folder the sentence names, ``coverage.duckdb``) are not checked.
- **Test names in backticks** (``test_...``) must be tests in ``tests/`` (a trailing ``*``
  or ``[...]`` matches by prefix).
- The README stays under 160 lines and lists every docs page in a table row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: First segments of slash-holding names that are not repository paths: folders made at run
#: time, the landing zone's folders, run tags, and the asset key prefixes (the stage folders).
NOT_IN_REPOSITORY = {
    "data",
    ".bench",
    "spill",
    "enrollment",
    "labour",
    "64",
    "cakupan",
    "dagster",
} | {p.name for p in (ROOT / "assets").iterdir() if p.is_dir() and not p.name.startswith("_")}

README_MAX_LINES = 160

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
SPAN = re.compile(r"`([^`\n]+)`")
NOT_A_PATH = re.compile(r"[\s<>*?\[\]{}$#!;]|://|^/|^\.\.")
TEST_NAME = re.compile(r"`(test_\w+)(\*|\[)?")


def pages() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    if (ROOT / "CHANGELOG.md").exists():
        found.append(ROOT / "CHANGELOG.md")
    return found


def prose(page: Path) -> str:
    return FENCE.sub("", page.read_text())


def slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#+ (.+)$", prose(page), re.M)}


def broken_links(page: Path) -> list[str]:
    problems = []
    for target in LINK.findall(prose(page)):
        if re.match(r"[a-z]+:", target):
            continue
        name, _, fragment = target.partition("#")
        path = (page.parent / name).resolve() if name else page
        if not path.exists():
            problems.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            problems.append(f"{target}: no heading #{fragment} in {path.name}")
    return problems


def broken_paths(page: Path, top_level: set[str]) -> list[str]:
    problems = []
    for span in SPAN.findall(prose(page)):
        if "/" not in span or NOT_A_PATH.search(span):
            continue
        first = span.split("/")[0]
        if first in NOT_IN_REPOSITORY:
            continue
        if first not in top_level:
            problems.append(f"`{span}`: {first}/ is not a folder of the repository")
        elif not (ROOT / span).exists():
            problems.append(f"`{span}`: no such file or folder")
    return problems


def defined_tests() -> set[str]:
    return {
        name
        for path in (ROOT / "tests").glob("test_*.py")
        for name in re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.M)
    }


def unknown_tests(page: Path, tests: set[str]) -> list[str]:
    problems = []
    for name, open_end in TEST_NAME.findall(prose(page)):
        if open_end or name.endswith("_"):
            ok = any(t.startswith(name.rstrip("_")) for t in tests)
        else:
            ok = name in tests
        if not ok:
            problems.append(f"`{name}`: no such test in tests/")
    return problems


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_and_path_a_page_names_exists(page: Path) -> None:
    top_level = {p.name for p in ROOT.iterdir()} - {".git", ".venv"}
    problems = broken_links(page) + broken_paths(page, top_level)
    problems += unknown_tests(page, defined_tests())
    assert not problems, "\n".join(problems)


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines < README_MAX_LINES


def test_the_readme_lists_every_docs_page_in_its_table() -> None:
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")]
    listed = {target for row in rows for target in LINK.findall(row)}
    docs = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert sorted(docs - listed) == []
