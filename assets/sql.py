"""The SQL files beside each stage: read once, with ``{{ slot }}`` filled where a stage
composes a statement from the contract's declarations (rule lists, grain columns)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

SLOT = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@functools.cache
def _text(path: Path) -> str:
    return path.read_text()


def render(path: Path, **slots: str) -> str:
    """The statement(s) of ``path`` with every ``{{ name }}`` replaced by ``slots[name]``.

    Values of a run (a period, a year) are never slots: they go in as DuckDB parameters or
    variables, so a slot only ever holds SQL the project itself wrote."""

    def fill(match: re.Match[str]) -> str:
        if match[1] not in slots:
            raise KeyError(f"{path.name}: no value for {{{{ {match[1]} }}}}")
        return slots[match[1]]

    return SLOT.sub(fill, _text(path))
