"""The warehouse resource: the landing zone and the contract's two DuckDB files.

Every DuckDB connection of the pipeline is opened here, so that one place decides how
(memory limit, threads, spill folder) and what a pipeline connection holds (the tables,
the reference data and the contract's macros). Its settings come from
``pipelines/resources.py``; the stages and checks only use it.

It is also where the warehouse's faults are met:

- **One writer at a time** (``assets/lock.py``): a Dagster run takes the writer lock when
  its resources are set up and gives it back at teardown; a write connection outside a
  run takes it for its own duration. The first to take it in a process cleans what a
  killed writer left behind (candidate file, spill files).
- **Damaged files, full disks**: DuckDB's errors for them become a ``WarehouseFault``, one
  line naming the file and what to do, never retried (the same file fails the same way).
- **Files of another version** of the contract, or foreign ones (``check_files``): said
  in one line when a run starts, before anything is written; migrated, rebuilt, kept aside
  or refused.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from assets import lock
from assets.file_version import (
    CURRENT,
    EMPTY,
    FOREIGN,
    NEWER,
    OLDER,
    FileVersion,
    read_version,
)
from contract import MACROS_SQL, reference
from contract.amounts import BPU_MINIMUM_CONTRIBUTION_RP, JKM_DEATH_BENEFIT_RP
from contract.tables import ABOUT, INTERNAL_ABOUT, INTERNAL_TABLES, PUBLISHED_TABLES, Table
from contract.version import CONTRACT_VERSION, package_version

#: Dagster's run tag of a run's province (the ``province`` dimension of its partition).
PROVINCE_TAG = "dagster/partition/province"


class Warehouse(dg.ConfigurableResource):
    """The landing zone and the two DuckDB files of the data contract.

    The internal file holds personal data and is written only by the pipeline; the
    published file holds the marts alone and is replaced atomically for dashboards.
    """

    landing_dir: str = Field(description="Landing zone: enrollment/<YYYY-MM>/ and labour/<YYYY>/.")
    warehouse_dir: str = Field(description="Folder of the DuckDB files, spill files and Data Docs.")
    published_file: str = Field(
        default="",
        description="Published DuckDB file (marts only) for dashboards; "
        "empty: <warehouse_dir>/coverage.duckdb.",
    )
    internal_file: str = Field(
        default="",
        description="Internal DuckDB file (staged rows, persons, quality); "
        "empty: <warehouse_dir>/internal.duckdb.",
    )
    bpu_minimum_contribution_rp: int = Field(
        default=BPU_MINIMUM_CONTRIBUTION_RP,
        description="Minimum monthly BPU contribution (JKK + JKM) used for iuran_minimum_bulanan_rp.",
    )
    jkm_death_benefit_rp: int = Field(
        default=JKM_DEATH_BENEFIT_RP,
        description="JKM death benefit used for santunan_kematian_tidak_terlindungi_rp.",
    )
    provinces: str = Field(
        default=",".join(reference.DEFAULT_PROVINCES),
        description="Provinces the deployment covers: Kemendagri codes separated by commas, "
        "or all. Rows of other provinces are set aside (outside_deployment).",
    )
    memory_limit: str = Field(default="3.5GB", description="DuckDB memory_limit; spills beyond it.")
    threads: int = Field(default=2, description="DuckDB worker threads.")

    _locked: Path | None = PrivateAttr(default=None)
    #: A province of a deployment of several (``for_province``): every covered province,
    #: and the deployment's own folder (the national file, the splits, the placements).
    _deployment: tuple[str, ...] = PrivateAttr(default=())
    _national_dir: str = PrivateAttr(default="")

    @property
    def covered_provinces(self) -> tuple[str, ...]:
        return reference.parse_provinces(self.provinces)

    @property
    def several_provinces(self) -> bool:
        return len(self.covered_provinces) > 1

    def for_province(self, province: str) -> Warehouse:
        """The warehouse of one covered province. A deployment of one province keeps today's
        files; one of several gives each province its folder ``<warehouse>/<kode>/`` (its
        internal and published files, report, Data Docs, spill files), so that provinces
        are written side by side, each under its own writer lock."""
        if province not in self.covered_provinces:
            raise ValueError(f"province {province} is not covered ({self.provinces})")
        if not self.several_provinces:
            return self
        folder = Path(self.warehouse_dir) / province
        scoped = self.model_copy(
            update={
                "warehouse_dir": str(folder),
                "internal_file": "",
                "published_file": "",
                "provinces": province,
            }
        )
        scoped._deployment = self.covered_provinces
        scoped._national_dir = self.warehouse_dir
        return scoped

    @property
    def deployment(self) -> tuple[str, ...]:
        """Every province of the deployment (this one's alone, unless ``for_province``)."""
        return self._deployment or self.covered_provinces

    @property
    def national_dir(self) -> Path | None:
        """The folder of the deployment's national work, when it covers several provinces
        (None: one province, which reads the landing zone itself and counts alone)."""
        if self._national_dir:
            return Path(self._national_dir)
        return Path(self.warehouse_dir) if self.several_provinces else None

    @property
    def split_root(self) -> Path | None:
        """Where the national snapshots are split by province."""
        return None if self.national_dir is None else self.national_dir / "split"

    def person_keys_path(self, period: str, province: str | None = None) -> Path:
        """A province's keys of its NIK persons of the period, for the placement (this
        province's, or of ``province``, another of the deployment)."""
        folder = Path(self.warehouse_dir)
        if province is not None and self.national_dir is not None:
            folder = self.national_dir / province
        return folder / "person_keys" / f"{period}.parquet"

    def placement_path(self, period: str) -> Path:
        """The province that counts each person with a valid NIK in several provinces."""
        national = self.national_dir or Path(self.warehouse_dir)
        return national / "placement" / f"{period}.parquet"

    @property
    def national_path(self) -> Path:
        """The national file of a deployment of several provinces."""
        return Path(self.warehouse_dir) / "coverage_nasional.duckdb"

    @property
    def national_candidate_path(self) -> Path:
        national = self.national_path
        return national.with_name(f".{national.stem}.candidate{national.suffix}")

    def writer_of_run(self, tags: Mapping[str, str]) -> Warehouse:
        """What a run writes: its province's files, or (no province) the national file."""
        province = tags.get(PROVINCE_TAG)
        return self.for_province(province) if province else self

    # --- the run's lifecycle: one writer at a time ------------------------------------

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """A run takes the writer lock for its whole length (its steps build on each other:
        nobody may write between them), then looks once at the two files' versions
        (`check_files`) before any step writes. Sensors and schedules only read: no lock."""
        run = context.run
        if run is None:
            return
        log = context.log
        writer = self.writer_of_run(run.tags)
        writer.take_lock(run.run_id, "Dagster run", on_wait=log.warning if log else None)
        self._locked = writer.lock_path
        try:  # once per run, before any step writes
            writer.check_files(log.warning if log else dg.get_dagster_logger().warning)
        except BaseException:
            self.teardown_after_execution(context)
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._locked is not None:
            path, self._locked = self._locked, None
            lock.release(path)

    @property
    def lock_path(self) -> Path:
        """The writer lock (never deleted): one per file that runs write, beside it. The
        internal file's, or for a deployment of several provinces (whose provinces have
        their own, ``for_province``) the national file's."""
        written = self.national_path if self.several_provinces else Path(self.internal_path)
        return written.with_name(written.name + ".lock")

    def take_lock(
        self,
        run_id: str | None,
        command: str,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Take the writer lock (re-entrant in a process; ``release_lock`` gives it back).
        Raises ``lock.WarehouseBusy`` when another process holds it and ``wait`` is False."""
        holder = lock.Holder(pid=os.getpid(), command=command, run_id=run_id)
        if lock.acquire(self.lock_path, holder, wait=wait, on_wait=on_wait):
            try:
                self.clean_after_crash()
            except BaseException:
                lock.release(self.lock_path)
                raise

    def release_lock(self) -> None:
        lock.release(self.lock_path)

    @contextmanager
    def writing(
        self,
        command: str,
        run_id: str | None = None,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """The writer lock for the duration of the block."""
        self.take_lock(run_id, command, wait=wait, on_wait=on_wait)
        try:
            yield
        finally:
            self.release_lock()

    def clean_after_crash(self, keep: tuple[Path, ...] = ()) -> None:
        """What a killed writer leaves behind, removed under the lock: a half-built or
        unchecked candidate (with its WAL; but those in ``keep``) and the spill files of dead
        processes. The internal file's WAL is kept: it holds committed work, which DuckDB
        replays."""
        candidate = self.candidate_path
        for built in {candidate, self.national_candidate_path} - set(keep):
            for path in (built, built.with_name(built.name + ".wal")):
                path.unlink(missing_ok=True)
        for folder in (
            self.spill_dir,
            Path(self.internal_path + ".tmp"),
            Path(str(candidate) + ".tmp"),
        ):
            remove_dead_spill(folder)

    @property
    def published_path(self) -> str:
        return self.published_file or str(Path(self.warehouse_dir) / "coverage.duckdb")

    @property
    def internal_path(self) -> str:
        return self.internal_file or str(Path(self.warehouse_dir) / "internal.duckdb")

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def spill_dir(self) -> Path:
        return Path(self.warehouse_dir) / "spill"

    @property
    def data_docs_dir(self) -> Path:
        return Path(self.warehouse_dir) / "data_docs"

    @property
    def workbook_path(self) -> Path:
        """The Excel workbook of the latest period's marts, beside the published file."""
        return Path(self.published_path).with_suffix(".xlsx")

    @property
    def report_dir(self) -> Path:
        """The HTML reports, one per published period, and index.html for the latest."""
        return Path(self.warehouse_dir) / "report"

    @property
    def candidate_path(self) -> Path:
        """Where the next published file is built and checked before it is swapped in."""
        published = Path(self.published_path)
        return published.with_name(f".{published.stem}.candidate{published.suffix}")

    def duckdb_config(self) -> dict[str, str | bool | int | float | list[str]]:
        return {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": str(self.spill_dir),
        }

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the internal file, with the tables, the reference data
        and the contract's macros, under the writer lock (already held by a run). Always
        closed, also on error, so that the next step or run of this process can open the
        file again."""
        Path(self.internal_path).parent.mkdir(parents=True, exist_ok=True)
        with self.writing("cakupan"), self.open(self.internal_path) as conn:
            found = read_version(conn, self.internal_path, INTERNAL_TABLES, INTERNAL_ABOUT)
            if found.kind in (NEWER, FOREIGN):  # also when no run checked it first
                raise VersionRefused(found)
            prepare(conn, self.covered_provinces)
            if found.kind != CURRENT:  # created, or migrated by prepare
                conn.execute(f"DELETE FROM {INTERNAL_ABOUT.name}")
                conn.execute(
                    f"INSERT INTO {INTERNAL_ABOUT.name} VALUES (?, ?, now() AT TIME ZONE 'UTC')",
                    [CONTRACT_VERSION, package_version()],
                )
            yield conn

    @contextmanager
    def open(
        self, path: str | Path, read_only: bool = False, storage_version: str | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to any DuckDB file of the warehouse (closed on exit).
        A damaged file or a full disk raises a ``WarehouseFault`` naming the file.

        ``storage_version`` (e.g. ``v1.4.0``) writes a *new* file in that version's format,
        so that older DuckDB releases can read it; DuckDB silently ignores it for a file that
        exists already, so callers delete the file first and check `storage_version_of`."""
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        config = self.duckdb_config()
        if storage_version is not None:
            config["storage_compatibility_version"] = storage_version
        try:
            conn = duckdb.connect(str(path), read_only=read_only, config=config)
        except (duckdb.ParserException, duckdb.SyntaxException, duckdb.InvalidInputException):
            raise dg.Failure(  # the settings: the same values fail the same way, no retry
                description=f"DuckDB refused the settings memory_limit={self.memory_limit!r}, "
                f"threads={self.threads}: check CAKUPAN_DUCKDB_MEMORY_LIMIT and "
                "CAKUPAN_DUCKDB_THREADS",
                allow_retries=False,
            ) from None
        except duckdb.Error as error:
            fault = self.fault(error, path)
            if fault is None:
                raise  # e.g. locked by another program: transient, the step retries
            raise fault from None
        try:
            try:
                yield conn
            finally:
                conn.close()  # a checkpoint: it writes too
        except (duckdb.Error, OSError) as error:
            fault = self.fault(error, path)
            if fault is None:
                raise
            raise fault from None

    def fault(self, error: BaseException, path: str | Path) -> WarehouseFault | None:
        """The one-line fault that ``error`` (met on the file ``path``) is, if it is one."""
        found = fault_of(
            str(error), str(path), getattr(error, "errno", None), getattr(error, "filename", None)
        )
        if found is None:
            return None
        file, kind, reason = found
        return WarehouseFault(file, reason, self.what_to_do(file, kind))

    def what_to_do(self, file: str | Path, kind: str) -> str:
        if kind == DISK_FULL:
            return "free space on its disk (or raise the file size limit), then run again"
        name = os.path.abspath(file)
        if name == os.path.abspath(self.internal_path):
            return (
                "run `cakupan rebuild`: it rebuilds the internal file from the landing zone, "
                "from which everything in it derives"
            )
        if name == os.path.abspath(self.published_path):
            return "the next `cakupan run` rebuilds it from the internal marts"
        return "run again"

    def damage(self, path: str | Path) -> WarehouseFault | None:
        """Why DuckDB cannot read a published file (None: it can, or there is none): every
        table read through once (published files are small)."""
        if not Path(path).exists():
            return None
        try:
            with self.open(path, read_only=True) as conn:
                read_every_table(conn)
        except WarehouseFault as fault:
            return fault if fault.kind != DISK_FULL else None
        except duckdb.Error:
            return None  # not damage (e.g. locked by another program): the run will say
        return None

    def damaged_internal_file(self) -> WarehouseFault | None:
        """The internal file, if DuckDB cannot read it (checked read-only: its header and
        catalog, and its length; a damaged data block is met by the step that reads it).
        The published file is looked at by `file_version` (every table read through)."""
        path = self.internal_path
        if not Path(path).exists():
            return None
        try:
            with self.open(path, read_only=True) as conn:
                if shorter_than_its_blocks(conn, Path(path)):
                    return WarehouseFault(path, _DAMAGE[1][1], self.what_to_do(path, DAMAGED))
        except WarehouseFault as fault:
            return fault if fault.kind != DISK_FULL else None
        except duckdb.Error:
            return None  # not damage (e.g. locked by another program): the run will say
        return None

    # --- files of another version of the contract, or foreign ones ----------------------

    def file_version(self, path: str, read_through: bool = False) -> FileVersion | None:
        """The version the internal or published file was written for, in one read-only
        look; DAMAGED when DuckDB cannot read it (``read_through``: every table of a file
        of this version read once, for the small published file); None when there is no
        file or it cannot be opened for another reason (e.g. held by another program)."""
        if not Path(path).exists():
            return None
        internal = os.path.abspath(path) == os.path.abspath(self.internal_path)
        tables, about = (INTERNAL_TABLES, INTERNAL_ABOUT) if internal else (PUBLISHED_TABLES, ABOUT)
        try:
            with self.open(path, read_only=True) as conn:
                found = read_version(conn, path, tables, about)
                if read_through and found.kind == CURRENT:
                    read_every_table(conn)
        except WarehouseFault as fault:
            return (
                FileVersion(path, DAMAGED, reason=fault.reason) if fault.kind == DAMAGED else None
            )
        except duckdb.Error:
            return None
        if found.kind == EMPTY and not internal:  # nothing a dashboard could read
            return FileVersion(path, FOREIGN, reason="it holds no table")
        return found

    def versions(self) -> tuple[FileVersion | None, FileVersion | None]:
        """The internal file's version, and the published file's (read through)."""
        return (
            self.file_version(self.internal_path),
            self.file_version(self.published_path, read_through=True),
        )

    def refusal(
        self, versions: tuple[FileVersion | None, FileVersion | None] | None = None
    ) -> VersionRefused | None:
        """The file a run must leave alone: a newer version's, or a foreign internal file."""
        internal, published = versions or self.versions()
        if internal is not None and internal.kind in (NEWER, FOREIGN):
            return VersionRefused(internal)
        if published is not None and published.kind == NEWER:
            return VersionRefused(published)
        return None

    def check_files(self, say: Callable[[str], None]) -> None:
        """A run's first look at the two files, under the writer lock, before it writes:

        - a newer version's file (either), a foreign internal file: refused, left as they
          are (``VersionRefused``, one line);
        - an older cakupan's internal file: migrated by the run's first connection (tables
          and columns declared since are added, rows kept; ``connect``);
        - a published file that is damaged, an older cakupan's, or foreign (kept aside
          first): rebuilt from the internal marts by the publish (`rebuild_reason`).

        Each says so in one line (``say``); sound files of this version say nothing."""
        internal, published = versions = self.versions()
        refused = self.refusal(versions)
        if refused is not None:
            raise refused
        if internal is not None and internal.kind == OLDER:
            say(
                f"{internal.file} was written for {internal.written_for}: migrated to "
                f"{CONTRACT_VERSION} (tables and columns declared since are added, rows kept); "
                "a period keeps the numbers of the rules it was run with until it is run "
                "again (CHANGELOG.md)"
            )
        reason = rebuild_reason(published)
        if reason is not None:
            say(f"{reason}; this run publishes a new one, rebuilt from the internal marts")

    @contextmanager
    def read_internal(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.open(self.internal_path, read_only=True) as conn:
            yield conn

    @contextmanager
    def read_published(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """The published file read-only, or None when nothing (readable) was published: a
        damaged file counts as not published, so the sensors ask for the runs that
        rebuild it.

        With DuckDB's default settings, as a dashboard in this process would open it:
        DuckDB refuses a second connection to an open file with other settings."""
        if not Path(self.published_path).exists():
            yield None
            return
        try:
            conn = duckdb.connect(self.published_path, read_only=True)
        except duckdb.Error as error:
            if fault_of(str(error), self.published_path) is None:
                raise
            yield None
            return
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def read_published_fresh(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """The published file as the path names it *now*, read-only, for readers that live
        across publishes (the report asset, the dashboard); None when there is none yet.

        Within one process DuckDB shares one open database per path: ``duckdb.connect(path)``
        while any other connection of the process still holds the file returns the file as
        it was before the last swap. An in-memory database that ATTACHes the path opens the
        file that is there now, whatever else the process holds open. ``USE`` makes the
        published tables readable by their names (``mart.coverage_region``)."""
        path = Path(self.published_path)
        if not path.exists():
            yield None
            return
        conn = duckdb.connect(":memory:")
        try:
            conn.execute("ATTACH ? AS published (READ_ONLY)", [str(path)])
            conn.execute("USE published")
            yield conn
        finally:
            conn.close()


def storage_version_of(conn: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's database file, as DuckDB tags it
    (``v1.4.0+`` for a file DuckDB 1.4 can read)."""
    rows = conn.execute(
        "SELECT tags['storage_version'] FROM duckdb_databases() "
        "WHERE database_name = current_database()"
    ).fetchall()
    return str(rows[0][0]) if rows else ""


# --- faults: damaged files, full disks ------------------------------------------------

DAMAGED = "damaged"
DISK_FULL = "disk full"

#: DuckDB's words for a file it cannot read as a database (research item 8c) ...
_DAMAGE = (
    ("not a valid DuckDB database file", "it is not a valid DuckDB database file"),
    ("Could not read enough bytes", "it is truncated (shorter than its own header says)"),
    ("Corrupt database file", "a block of it fails its checksum"),
)
#: ... and for a write that did not fit (full disk, file size limit, quota).
_FULL = (
    ("No space left on device", "the disk is full"),
    ("File too large", "the file size limit was reached"),
    ("Disk quota exceeded", "the disk quota is exceeded"),
)
_FULL_ERRNO = {errno.ENOSPC: _FULL[0][1], errno.EFBIG: _FULL[1][1], errno.EDQUOT: _FULL[2][1]}
_QUOTED_FILE = re.compile(r'file "([^"]+)"')  # DuckDB's IO errors
_OSERROR_FILE = re.compile(r"\[Errno \d+\] [^:\n]+: '([^'\n]+)'")  # str() of an OSError


class WarehouseFault(dg.Failure):
    """A file of the warehouse that cannot be read or written: one line naming the file,
    the reason and what to do. Never retried: the same file fails the same way."""

    def __init__(self, file: str, reason: str, what_to_do: str) -> None:
        self.file = file
        self.reason = reason
        self.kind = DISK_FULL if reason in {r for _, r in _FULL} else DAMAGED
        verb = "could not be written" if self.kind == DISK_FULL else "is damaged"
        self.line = f"{file} {verb}: {reason}; {what_to_do}"
        super().__init__(
            description=self.line,
            metadata={"file": file, "reason": reason, "what_to_do": what_to_do},
            allow_retries=False,
        )

    def __str__(self) -> str:
        return self.line

    def is_file(self, path: str | Path) -> bool:
        return os.path.abspath(self.file) == os.path.abspath(path)


class VersionRefused(dg.Failure):
    """A file a run leaves as it is (a newer version's, a foreign internal file): one line
    naming it, its version and ours, and what to do. Never retried."""

    def __init__(self, found: FileVersion) -> None:
        self.file = found.file
        if found.kind == NEWER:
            self.line = (
                f"{found.file} was written for data contract {found.version}, newer than "
                f"this cakupan's {CONTRACT_VERSION}: left as it is and nothing is published; "
                "upgrade cakupan (CHANGELOG.md) or run the release that wrote it"
            )
        else:
            self.line = (
                f"{found.file} is not a cakupan internal file ({found.reason}): left as it is "
                "and nothing is run; move it away (or set CAKUPAN_INTERNAL_PATH to another "
                "file), then run again: a new internal file is built from the landing zone"
            )
        super().__init__(description=self.line, metadata={"file": found.file}, allow_retries=False)

    def __str__(self) -> str:
        return self.line


def rebuild_reason(published: FileVersion | None) -> str | None:
    """Why the publish rebuilds the published file (its `file_version`, read through) from
    the internal marts instead of copying its other periods: it is damaged, an older
    version's, or foreign (then kept aside first); None when it is this version's, or there
    is none. A newer version's file is refused (``VersionRefused``): never overwritten."""
    if published is None or published.kind == CURRENT:
        return None
    if published.kind == NEWER:
        raise VersionRefused(published)
    if published.kind == DAMAGED:
        return f"{published.file} is damaged: {published.reason}"
    if published.kind == FOREIGN:
        return (
            f"{published.file} is not a cakupan published file ({published.reason}): kept "
            f"aside as {keep_aside(Path(published.file))}"
        )
    return f"{published.file} was written for {published.written_for}"


def keep_aside(path: Path) -> Path:
    """A foreign file kept under ``<name>.foreign-<UTC time>`` beside it, as a second name
    (a hard link: the file stays where it was until the publish replaces it, and no byte
    is copied); the name it already has there, if a run kept it aside before."""
    for other in path.parent.glob(f"{path.name}.foreign-*"):
        if other.samefile(path):
            return other
    aside = path.with_name(f"{path.name}.foreign-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    try:
        os.link(path, aside)
    except OSError:  # a file system without hard links
        shutil.copy2(path, aside)
    return aside


def fault_of(
    text: str, path: str, error_number: int | None = None, filename: str | None = None
) -> tuple[str, str, str] | None:
    """(file, kind, reason) when an error says a DuckDB file is damaged or a write did not
    fit (a DuckDB error's text, or an OSError's number and file name); the file is the one
    the error names, else ``path``. Only paths and fixed words go into the result, never a
    value of the data."""
    named = _QUOTED_FILE.search(text) or _OSERROR_FILE.search(text)
    file = filename or (named[1] if named else path)
    if error_number in _FULL_ERRNO:
        return file, DISK_FULL, _FULL_ERRNO[error_number]
    for phrase, reason in _FULL:
        if phrase in text:
            return file, DISK_FULL, reason
    for phrase, reason in _DAMAGE:
        if phrase in text:
            return file, DAMAGED, reason
    return None


def shorter_than_its_blocks(conn: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """A truncated file whose header and catalog still read: too short to hold the blocks
    its header says are in use (a cheap check that misses a cut of a block or two: those
    are met by the step that reads them). Not judged while a WAL waits to be replayed."""
    if Path(str(path) + ".wal").exists():
        return False
    block_size, used_blocks = conn.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchall()[0]
    return path.stat().st_size < int(block_size) * int(used_blocks)


def remove_dead_spill(folder: Path) -> None:
    """Spill files of processes that no longer run (DuckDB names them after the pid and
    never removes them after a kill); a live process's files are left alone."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        found = re.match(r"duckdb_temp_(\d+)_", path.name)
        if found is None or pid_alive(int(found[1])):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the test hook of the kill tests --------------------------------------------------

#: ``CAKUPAN_FAULT_AT=<point>`` (tests only) makes the process SIGKILL itself when it
#: reaches that point, ``<point>:STOP`` SIGSTOP itself, once (a writer frozen while holding
#: the lock). The points: staging, persons, marts (each inside its write transaction),
#: candidate (half built), before_swap, after_swap.
FAULT_AT = "CAKUPAN_FAULT_AT"


def fault_point(name: str) -> None:
    """Tests' deterministic crash or freeze at a named point; nothing when unset."""
    wanted = os.environ.get(FAULT_AT)
    if not wanted:
        return
    point, _, how = wanted.partition(":")
    if point != name:
        return
    if how == "STOP":
        del os.environ[FAULT_AT]  # once: the process goes on after SIGCONT
        os.kill(os.getpid(), signal.SIGSTOP)
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def create_tables(conn: duckdb.DuckDBPyConnection, tables: tuple[Table, ...]) -> None:
    """Create the tables, and add columns declared since an existing file was created."""
    for schema in sorted({t.schema for t in tables}):
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table in tables:
        conn.execute(table.ddl())
    existing = set(
        conn.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database()"
        ).fetchall()
    )
    for table in tables:
        for column in table.columns:
            if (table.schema, table.short_name, column.name) not in existing:
                conn.execute(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type}")


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: The deployment's own reference tables, taken from the national ones.
DEPLOYMENT_TABLES = ("ref_region", "ref_district")


def load_reference(conn: duckdb.DuckDBPyConnection, provinces: Sequence[str]) -> None:
    """The shipped reference data as temp tables of this connection: the national tables,
    and the regencies and districts of the covered ``provinces`` (``ref_region``,
    ``ref_district``). Passed as one list per column: 8,000 rows in a few milliseconds."""
    refs = (*reference.tables(), *(reference.table(n, provinces) for n in DEPLOYMENT_TABLES))
    for ref in refs:
        select = ", ".join(f"unnest(${i + 1}) AS {c}" for i, c in enumerate(ref.columns))
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {ref.name} AS SELECT {select}",
            [list(ref.column(c)) for c in ref.columns],
        )


def read_every_table(conn: duckdb.DuckDBPyConnection) -> None:
    """Read every table of the open file once: damage in a data block shows as an error
    (worth it for the small published files, whose every block a dashboard may read)."""
    for schema, table in conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database()"
    ).fetchall():
        conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()


def prepare(
    conn: duckdb.DuckDBPyConnection, provinces: Sequence[str] = reference.DEFAULT_PROVINCES
) -> None:
    """Tables, reference data and the contract's SQL macros on a fresh connection."""
    create_tables(conn, INTERNAL_TABLES)
    load_reference(conn, provinces)
    conn.execute(MACROS_SQL.read_text())


def table_schema(table: Table) -> dg.TableSchema:
    """A table's columns as the Dagster UI shows them; personal columns tagged ``pii``."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.type,
                description=c.description,
                tags={"pii": ""} if c.personal else {},
            )
            for c in table.columns
        ]
    )
