"""Fixtures shared by the tests; the helpers themselves are in tests/helpers.py."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from helpers import Pipeline

warnings.filterwarnings("ignore", module="dagster")
# Tests never touch the operator's Dagster instance (make exports DAGSTER_HOME): runs in
# tests use ephemeral instances, and the webserver tests make their own homes.
os.environ.pop("DAGSTER_HOME", None)


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)
