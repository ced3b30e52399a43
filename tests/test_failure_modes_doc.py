"""docs/failure-modes.md names a test for every failure mode: each name must be a test."""

from __future__ import annotations

import re

from helpers import ROOT


def test_every_test_named_in_the_failure_modes_table_exists() -> None:
    doc = (ROOT / "docs" / "failure-modes.md").read_text()
    named = set(re.findall(r"`(test_\w+)", doc))
    defined = {
        m
        for path in (ROOT / "tests").glob("test_*.py")
        for m in re.findall(r"^def (test_\w+)\(", path.read_text(), re.M)
    }
    assert len(named) >= 45
    assert sorted(named - defined) == []
