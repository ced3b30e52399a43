"""Settings: the one place where cakupan names its environment variables.

Every setting is a ``CAKUPAN_*`` environment variable with a default that works from the
repository root, so ``make run`` needs no configuration and an operator points the same
code at production folders without editing it. A variable that is set reaches the
resources as a ``dg.EnvVar`` (the UI shows the variable's name, and every run reads its
value when it starts); an unset one takes the default.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from assets.warehouse import Warehouse
from contract.amounts import BPU_MINIMUM_CONTRIBUTION_RP, JKM_DEATH_BENEFIT_RP
from contract.reference import DEFAULT_PROVINCES, parse_provinces


def whole_number(minimum: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value.isdigit() and int(value) >= minimum else "not a whole number"

    return check


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1e3, "KIB": 2**10, "MB": 1e6, "MIB": 2**20, "GB": 1e9, "GIB": 2**30}
_UNITS |= {"TB": 1e12, "TIB": 2**40}
#: Below this DuckDB cannot even stage a small snapshot (it fails with "Out of Memory").
MINIMUM_MEMORY_BYTES = 100e6


def duckdb_size(value: str) -> str | None:
    """A memory limit DuckDB reads the same way: a size with its unit, or a share in %."""
    text = value.strip()
    share = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if share:
        return None if 0 < float(share[1]) <= 100 else "not a share of the memory"
    size = _SIZE.fullmatch(text)
    if size is None:
        return "not a size"
    if float(size[1]) * _UNITS[size[2].upper()] < MINIMUM_MEMORY_BYTES:
        return "too small"
    return None


def url_of(*schemes: str) -> Callable[[str], str | None]:
    """A URL with one of ``schemes`` and a host (the service is reached only later)."""

    def check(value: str) -> str | None:
        scheme, sep, rest = value.partition("://")
        host = rest.split("@")[-1].split("/")[0]
        return None if sep and scheme in schemes and host else "not such a URL"

    return check


def provinces(value: str) -> str | None:
    """Kemendagri province codes separated by commas (``64``, ``35,64``), or ``all``."""
    try:
        parse_provinces(value)
    except ValueError as error:
        return str(error)
    return None


IN_PROCESS, CELERY = "in_process", "celery"
NEEDED_BY_CELERY = ("CAKUPAN_BROKER_URL", "CAKUPAN_POSTGRES_URL")


@dataclass(frozen=True)
class Setting:
    variable: str
    field: str | None  # of the Warehouse resource; None: read by the CLI
    default: str
    accepts: str  # what a valid value looks like, for error messages
    check: Callable[[str], str | None] | None = None
    integer: bool = False

    def value(self, environ: Mapping[str, str]) -> str:
        return environ.get(self.variable) or self.default

    def problem(self, environ: Mapping[str, str]) -> str | None:
        """One line naming the variable and what it accepts, if its value is not valid."""
        value = environ.get(self.variable)
        if not value or self.check is None or self.check(value) is None:
            return None
        return f"{self.variable}={value!r} is not valid: it accepts {self.accepts}"

    def binding(self, environ: Mapping[str, str], resolve: bool) -> Any:
        """What the resource field gets: the variable itself when it is set (unless
        ``resolve``: then its value), else the default."""
        if environ.get(self.variable) and not resolve:
            return dg.EnvVar.int(self.variable) if self.integer else dg.EnvVar(self.variable)
        value = self.value(environ)
        return int(value) if self.integer else value


SETTINGS = (
    Setting("CAKUPAN_LANDING_DIR", "landing_dir", "data/landing", "a folder"),
    Setting(
        "CAKUPAN_WAREHOUSE_DIR",
        "warehouse_dir",
        "data/warehouse",
        "a folder (DuckDB files, spill files, Data Docs)",
    ),
    Setting(
        "CAKUPAN_PUBLISHED_PATH",
        "published_file",
        "",
        "a file path (default <warehouse>/coverage.duckdb)",
    ),
    Setting(
        "CAKUPAN_INTERNAL_PATH",
        "internal_file",
        "",
        "a file path (default <warehouse>/internal.duckdb)",
    ),
    Setting(
        "CAKUPAN_BPU_MINIMUM_CONTRIBUTION_RP",
        "bpu_minimum_contribution_rp",
        str(BPU_MINIMUM_CONTRIBUTION_RP),
        "a whole number of rupiah, e.g. 16800 (no separators)",
        whole_number(0),
        integer=True,
    ),
    Setting(
        "CAKUPAN_JKM_DEATH_BENEFIT_RP",
        "jkm_death_benefit_rp",
        str(JKM_DEATH_BENEFIT_RP),
        "a whole number of rupiah, e.g. 42000000",
        whole_number(0),
        integer=True,
    ),
    Setting(
        "CAKUPAN_PROVINCES",
        "provinces",
        ",".join(DEFAULT_PROVINCES),
        "Kemendagri province codes separated by commas, such as 64 or 35,64 (11-96, as in "
        "reference/indonesia/provinces.csv), or all",
        provinces,
    ),
    Setting(
        "CAKUPAN_DUCKDB_MEMORY_LIMIT",
        "memory_limit",
        # DuckDB's share of a 4 GiB budget: the Python process (Dagster, GX) takes ~0.5 GiB.
        "3.5GB",
        "a DuckDB size such as 4GB or 512MB (at least 100MB), or a share of the memory such as 50%",
        duckdb_size,
    ),
    Setting(
        "CAKUPAN_DUCKDB_THREADS",
        "threads",
        "2",
        "a whole number of threads, 1 or more",
        whole_number(1),
        integer=True,
    ),
    Setting(
        "CAKUPAN_LOG_LEVEL",
        None,
        "WARNING",
        "DEBUG, INFO, WARNING or ERROR (what `cakupan run` prints of Dagster's log; "
        "DEBUG prints stack traces too)",
        lambda v: None if v.upper() in ("DEBUG", "INFO", "WARNING", "ERROR") else "unknown",
    ),
    # The distributed mode (docs/deploy.md): the executor, and the services it needs.
    Setting(
        "CAKUPAN_EXECUTOR",
        None,
        IN_PROCESS,
        f"{IN_PROCESS} (one machine) or {CELERY} (steps on Celery workers; needs "
        "CAKUPAN_BROKER_URL and CAKUPAN_POSTGRES_URL)",
        lambda v: None if v in (IN_PROCESS, CELERY) else "unknown",
    ),
    Setting(
        "CAKUPAN_BROKER_URL",
        None,
        "",
        "a Celery broker URL: redis://HOST:6379/0 or amqp://USER:PASSWORD@HOST:5672//",
        url_of("redis", "rediss", "amqp", "pyamqp"),
    ),
    Setting(
        "CAKUPAN_POSTGRES_URL",
        None,
        "",
        "a PostgreSQL URL: postgresql://USER:PASSWORD@HOST:5432/DATABASE",
        url_of("postgresql", "postgres"),
    ),
)


def distributed(environ: Mapping[str, str] | None = None) -> bool:
    """Steps run on Celery workers (``CAKUPAN_EXECUTOR=celery``), the instance on PostgreSQL."""
    return setting("CAKUPAN_EXECUTOR", environ) == CELERY


def setting(variable: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of a setting now (its default when unset)."""
    environ = os.environ if environ is None else environ
    return next(s for s in SETTINGS if s.variable == variable).value(environ)


def setting_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every setting whose value is not valid, one line each (empty: all valid)."""
    environ = os.environ if environ is None else environ
    problems = [p for s in SETTINGS if (p := s.problem(environ)) is not None]
    if distributed(environ) and not problems:
        for s in SETTINGS:
            if s.variable in NEEDED_BY_CELERY and not environ.get(s.variable):
                problems.append(
                    f"CAKUPAN_EXECUTOR=celery needs {s.variable}: it accepts {s.accepts}"
                )
    return problems


class SettingsError(Exception):
    """Settings that are not valid, found before any run (one line each)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def check_settings(environ: Mapping[str, str] | None = None) -> None:
    """Raise ``SettingsError`` when a setting is not valid: a code location (the UI, the
    daemon, every run's process) refuses to load rather than fail its runs one by one."""
    problems = setting_problems(environ)
    if problems:
        raise SettingsError(problems)


def folder_problem(folder: Path) -> str | None:
    """Why the pipeline cannot write files in ``folder`` (None: it can). A folder that does
    not exist yet is fine when the nearest one that does is writable (it is created)."""
    existing = Path(os.path.abspath(folder))
    while not existing.exists():
        if existing.is_symlink():
            return f"{existing} is a link that leads nowhere"
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:  # a real write: permissions, read-only mounts and root all answer truly
        fd, probe = tempfile.mkstemp(prefix=".cakupan-write-test-", dir=existing)
    except OSError as error:
        return f"the folder {existing} is not writable ({error.strerror})"
    os.close(fd)
    os.unlink(probe)
    return None


def file_problem(path: Path) -> str | None:
    """Why the pipeline cannot write the DuckDB file ``path`` (None: it can)."""
    if path.is_dir():
        return f"{path} is a folder, not a file"
    return folder_problem(path.parent)


def warehouse_problems(
    warehouse: Warehouse,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, str] | None = None,
) -> list[str]:
    """The warehouse's folder and files, checked before a run writes them: one line each,
    naming where the path came from (``flags``: the command line's flag by field name)."""
    environ = os.environ if environ is None else environ
    flags = flags or {}

    def source(field: str, fallback: str | None = None) -> str:
        value = getattr(warehouse, field)
        if field in flags:
            return f"{flags[field]} {value}"
        if not value and fallback:
            return source(fallback)
        setting = next(s for s in SETTINGS if s.field == field)
        if environ.get(setting.variable):
            return f"{setting.variable}={value!r}"
        return f"{setting.variable} (default {value!r})"

    checks = (
        ("warehouse_dir", None, folder_problem(Path(warehouse.warehouse_dir))),
        ("internal_file", "warehouse_dir", file_problem(Path(warehouse.internal_path))),
        ("published_file", "warehouse_dir", file_problem(Path(warehouse.published_path))),
    )
    problems: list[str] = []
    for field, fallback, problem in checks:
        line = f"{source(field, fallback)} is not valid: {problem}"
        if problem is not None and line not in problems:
            problems.append(line)
    return problems


def covered_provinces(warehouse: Warehouse) -> tuple[str, ...]:
    """The provinces the warehouse covers, when the code location is defined (its
    partitions): the value of CAKUPAN_PROVINCES where the resource is bound to it."""
    value = warehouse.provinces
    if isinstance(value, dg.EnvVar):
        value = value.get_value() or next(s for s in SETTINGS if s.field == "provinces").default
    return parse_provinces(value)


def warehouse_from_env(
    environ: Mapping[str, str] | None = None,
    resolve: bool = False,
    overrides: Mapping[str, str] | None = None,
) -> Warehouse:
    """The warehouse resource bound to the ``CAKUPAN_*`` variables (``resolve``: to their
    values now, for code that reads the settings outside a run, like the CLI); ``overrides``
    (the CLI's flags, by field name) take precedence over them."""
    environ = os.environ if environ is None else environ
    fields = {s.field: s.binding(environ, resolve) for s in SETTINGS if s.field}
    kind = StepWarehouse if distributed(environ) else Warehouse
    return kind(**{**fields, **(overrides or {})})


class StepWarehouse(Warehouse):
    """The warehouse when every step is a process of its own (the Celery executor).

    A run then takes the writer lock step by step (the run queue keeps other runs of the
    warehouse out meanwhile, deploy/dagster.yaml), and the first taker in a process cleans
    what a killed writer left: it must keep the candidate its own run built, which the
    next steps check and swap in, maybe on another machine."""

    _run_id: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run.run_id if context.run else None
        super().setup_for_execution(context)

    def clean_after_crash(self, keep: tuple[Path, ...] = ()) -> None:
        """Keeps the candidate of this run, and the national candidate: one national run at a
        time (the queue's ``cakupan/writer`` limit, value ``national``), and its candidate
        step makes the file anew before any of its steps reads it, so the one there is this
        run's, or a killed run's that the next candidate step replaces."""
        mine = (self.candidate_path,) if self.candidate_of_this_run() else ()
        super().clean_after_crash((*keep, *mine, self.national_candidate_path))

    def candidate_of_this_run(self) -> bool:
        """A complete candidate that names this run (one a killed step half-built does not
        open, or names no run yet)."""
        if self._run_id is None or not self.candidate_path.is_file():
            return False
        try:
            with duckdb.connect(str(self.candidate_path), read_only=True) as conn:
                found = conn.execute(
                    "SELECT count(*) FROM mart.published_periods WHERE run_id = ?",
                    [self._run_id],
                ).fetchone()
        except duckdb.Error:
            return False
        return bool(found and found[0])
