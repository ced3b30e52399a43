"""The order of a deployment's runs (`run_plan`, pipelines/runner.py): each run starts as
soon as what it reads is made, never before.

The launcher here ends the runs in the order a test chooses instead of running them: the
runs themselves are tested end to end in test_provinces.py (in process) and
test_distributed.py (on Celery workers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from helpers import Pipeline
from test_provinces import land_two_provinces

from pipelines.automation.plan import NATIONAL, PERSONS, PLACEMENT_PHASE, PUBLISH
from pipelines.definitions import build_defs
from pipelines.jobs import JOB_NAME
from pipelines.runner import Launch, PeriodOutcome, run_plan

PERIODS = ["2025-03", "2025-04"]


def name(run: Launch) -> str:
    """``persons 2025-03 63``, ``placement 2025-03``."""
    return " ".join(filter(None, (run.phase, run.period, run.province)))


@dataclass
class Scripted:
    """A launcher whose runs end when the test says: ``pick`` chooses which of the running
    runs ends next; ``fails`` names the runs that fail."""

    pick: Callable[[list[Launch]], Launch]
    fails: set[str] = field(default_factory=set)
    running: list[Launch] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # "start <run>", "end <run>"

    def start(self, run: Launch) -> None:
        assert name(run) not in {name(r) for r in self.running}, name(run)
        self.running.append(run)
        self.log.append(f"start {name(run)}")

    def next_ended(self) -> tuple[Launch, PeriodOutcome]:
        run = self.pick(self.running)
        self.running.remove(run)
        self.log.append(f"end {name(run)}")
        failed = name(run) in self.fails
        error = f"{name(run)} failed" if failed else None
        return run, PeriodOutcome(run.period, not failed, name(run), error, None, run.province)

    def at(self, event: str) -> int:
        return self.log.index(event)

    def started(self) -> list[str]:
        return [e.removeprefix("start ") for e in self.log if e.startswith("start ")]


def slow(province: str) -> Callable[[list[Launch]], Launch]:
    """The province's runs end last: only when no other run is left running."""
    return lambda running: next((r for r in running if r.province != province), running[0])


@pytest.fixture
def two_periods(tmp_path):  # type: ignore[no-untyped-def]
    pipeline = Pipeline(tmp_path, provinces="63,64")
    rows = land_two_provinces(pipeline, in_63=1, in_64=1)
    pipeline.landing.write("enrollment", PERIODS[1], rows, "part-1.csv")
    job = build_defs(pipeline.warehouse, retry_policy=None).resolve_job_def(JOB_NAME)
    return lambda launcher: run_plan(pipeline.warehouse, PERIODS, job, launcher)


def test_each_run_starts_only_once_what_it_reads_is_made(two_periods) -> None:  # type: ignore[no-untyped-def]
    launcher = Scripted(slow("64"))
    two_periods(launcher)
    at = launcher.at
    for period in PERIODS:
        placement = f"{PLACEMENT_PHASE} {period}"
        for p in ("63", "64"):
            assert at(f"end {PERSONS} {period} {p}") < at(f"start {placement}")
            assert at(f"end {placement}") < at(f"start {PUBLISH} {period} {p}")
            assert at(f"end {PUBLISH} {period} {p}") < at(f"start {NATIONAL} {period}")
    for p in ("63", "64"):  # a province's periods in order, its runs one at a time
        assert at(f"end {PUBLISH} 2025-03 {p}") < at(f"start {PERSONS} 2025-04 {p}")
    assert len(launcher.started()) == 2 * (2 + 1 + 2 + 1)


def test_a_province_goes_on_with_its_next_period_while_a_slower_one_ends_its_own(
    two_periods,  # type: ignore[no-untyped-def]
) -> None:
    launcher = Scripted(slow("64"))
    outcomes = two_periods(launcher)
    at = launcher.at
    assert at(f"start {PERSONS} 2025-04 63") < at(f"end {PUBLISH} 2025-03 64")
    # and the outcomes come back in the plan's order, whatever order the runs ended in
    assert [(o.period, o.province) for o in outcomes] == [
        ("2025-03", "63"),
        ("2025-03", "64"),
        ("2025-04", "63"),
        ("2025-04", "64"),
        ("2025-03", None),
        ("2025-04", None),
    ]


def test_one_at_a_time_the_runs_go_period_by_period_phase_by_phase(two_periods) -> None:  # type: ignore[no-untyped-def]
    launcher = Scripted(lambda running: min(running, key=lambda r: r.order))
    two_periods(launcher)
    assert [e.removeprefix("end ") for e in launcher.log if e.startswith("end ")] == [
        f"{phase} {period}{province}"
        for period in PERIODS
        for phase, provinces in (
            (PERSONS, (" 63", " 64")),
            (PLACEMENT_PHASE, ("",)),
            (PUBLISH, (" 63", " 64")),
            (NATIONAL, ("",)),
        )
        for province in provinces
    ]


def test_a_province_whose_first_run_failed_does_not_publish_and_goes_on_with_the_next_period(
    two_periods,  # type: ignore[no-untyped-def]
) -> None:
    launcher = Scripted(slow("64"), fails={f"{PERSONS} 2025-03 63"})
    outcomes = two_periods(launcher)
    assert f"{PUBLISH} 2025-03 63" not in launcher.started()
    assert f"{PUBLISH} 2025-03 64" in launcher.started()
    assert launcher.at(f"start {PERSONS} 2025-04 63") < launcher.at(f"end {PERSONS} 2025-03 64")
    failed = [(o.period, o.province, o.error) for o in outcomes if not o.success]
    assert failed == [("2025-03", "63", f"{PERSONS} 2025-03 63 failed")]


def test_a_failed_placement_publishes_no_province_of_its_period_and_says_why_in_each(
    two_periods,  # type: ignore[no-untyped-def]
) -> None:
    launcher = Scripted(slow("64"), fails={f"{PLACEMENT_PHASE} 2025-03"})
    outcomes = two_periods(launcher)
    assert not [r for r in launcher.started() if r.startswith(f"{PUBLISH} 2025-03")]
    assert [(o.province, o.error) for o in outcomes if o.period == "2025-03" and o.province] == [
        ("63", f"{PLACEMENT_PHASE} 2025-03 failed"),
        ("64", f"{PLACEMENT_PHASE} 2025-03 failed"),
    ]
    assert all(o.success for o in outcomes if o.period == "2025-04")
