"""What a run prints on the console: one line per thing worth saying, stack traces for bugs.

Dagster's own console logger prints every failed step with ~20 frames of ``Stack Trace:``,
also when the failure is a broken file the contract expects, and then the run failure and
a "Dependencies ... Not executing" line for every step downstream. This logger replaces it
(it is the code location's ``console`` logger, so the run config keys stay the same):

- a contract failure or a fault of the warehouse (a ``dg.Failure``, a failed blocking
  check): one line, the step and its reason;
- an unexpected exception (a bug): its line, then its stack trace;
- anything else at the configured level: its first line;
- ``verbose`` (``cakupan run --verbose``, ``CAKUPAN_LOG_LEVEL=DEBUG``): every record in full,
  stack traces included, as Dagster prints them.

Only the console changes: Dagster's event log (the UI, ``instance.all_logs``) keeps every
event and every error in full.
"""

from __future__ import annotations

import logging
import re
import sys

import dagster as dg

#: Dagster's words for the steps it skips after a failure: the failure itself says it all.
SKIPPED_STEP = "Dependencies for step"


def step_failure_line(event: dg.DagsterEvent) -> tuple[str, str | None]:
    """(one line, the stack trace when the failure is a bug) of a STEP_FAILURE event."""
    data = event.step_failure_data
    user = data.user_failure_data if data else None
    error = data.error if data else None
    step = event.step_key or "step"
    if user is not None and user.description:
        return f"{step}: {first_line(user.description)}", None
    if error is None:
        return f"{step}: failed", None
    cause = error.cause or error
    if error.cls_name == "DagsterAssetCheckFailedError":
        return f"{step}: {' '.join(error.message.split())}", None
    return (
        f"{step}: unexpected error (a bug): {cause.cls_name}: "
        f"{redact_values(first_line(cause.message))}",
        redact_values(error.to_string()),
    )


#: Failures a resource raises on purpose when a run starts (a file of a newer version, a
#: foreign internal file): their own line, not a bug. Dagster keeps only their text.
RESOURCE_REFUSALS = ("VersionRefused",)


def resource_refusal_line(event: dg.DagsterEvent) -> str | None:
    """The line of a RESOURCE_INIT_FAILURE that refused to start the run, else None."""
    if event.event_type_value != "RESOURCE_INIT_FAILURE":
        return None
    error = getattr(event.event_specific_data, "error", None)
    if error is None or error.cls_name not in RESOURCE_REFUSALS:
        return None
    return first_line(error.message.partition(f"{error.cls_name}: ")[2])


def retry_line(event: dg.DagsterEvent) -> str:
    """A step waiting to be retried, and why (e.g. another program holds the file)."""
    data = event.step_retry_data
    wait = f" in {data.seconds_to_wait:.0f} s" if data.seconds_to_wait else ""
    why = ""
    if data.error is not None:
        cause = data.error.cause or data.error
        why = f": {cause.cls_name}: {redact_values(first_line(cause.message))}"
    return f"{event.step_key}: retrying{wait}{why}"


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


_QUOTED = re.compile(r"'[^'\n]*'")
_FRAME = re.compile(r'^\s*File "[^"]*", line \d+')


def redact_values(text: str) -> str:
    """A bug's message and stack trace without the values they quote: an error met while
    handling rows can quote a cell (a name, a NIK). Frames keep their file and line; every
    '...' elsewhere (messages, source lines) becomes '…'. ``--verbose`` shows it all."""
    return "\n".join(
        line if _FRAME.match(line) else _QUOTED.sub("'…'", line) for line in text.splitlines()
    )


class OneLineHandler(logging.Handler):
    """Writes to the stderr of the moment (so that a caller may redirect it)."""

    def __init__(self, threshold: int, verbose: bool, failures: bool) -> None:
        super().__init__()
        self.threshold = threshold
        self.verbose = verbose
        self.failures = failures
        self.full = logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.render(record)
        except Exception:  # the console must never fail a run
            self.handleError(record)
            return
        if text:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def render(self, record: logging.LogRecord) -> str | None:
        meta = getattr(record, "dagster_meta", None) or {}
        event: dg.DagsterEvent | None = meta.get("dagster_event")
        message = str(meta.get("orig_message") or record.getMessage())
        if event is not None and event.is_step_up_for_retry:
            # Shown whatever the level: a step that waits to be retried must not look hung.
            return retry_line(event)
        if record.levelno < self.threshold:
            return None
        if self.verbose:
            return self.full.format(record)
        if event is not None and event.is_step_failure:
            if not self.failures:
                return None
            line, trace = step_failure_line(event)
            return line if trace is None else f"{line}\n{trace}"
        refusal = resource_refusal_line(event) if event is not None else None
        if refusal is not None:
            return refusal if self.failures else None
        if event is not None and event.is_run_failure:
            return None  # the failed step said it already
        if message.startswith(SKIPPED_STEP):
            return None
        step = meta.get("step_key")
        return f"{step}: {first_line(message)}" if step else first_line(message)


@dg.logger(
    {
        "log_level": dg.Field(str, is_required=False, default_value="WARNING"),
        "verbose": dg.Field(bool, is_required=False, default_value=False),
        "failures": dg.Field(
            bool,
            is_required=False,
            default_value=True,
            description="Print failed steps (`cakupan run` prints one line per period instead).",
        ),
    },
    description="One line per failure or warning; stack traces only for bugs (or verbose).",
)
def cakupan_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    threshold = logging.getLevelName(str(config["log_level"]).upper())
    if not isinstance(threshold, int):
        threshold = logging.WARNING
    log = logging.Logger("cakupan", level=logging.DEBUG)  # the handler filters
    verbose = bool(config["verbose"]) or threshold <= logging.DEBUG
    log.addHandler(OneLineHandler(threshold, verbose=verbose, failures=config["failures"]))
    return log
