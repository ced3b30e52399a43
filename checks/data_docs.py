"""GX Data Docs for the check steps: one static site per step under
``<warehouse>/data_docs/<step>/``, keeping the latest page of every suite and period."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checks.outcomes import SuiteOutcome

DOCS_SITE = "cakupan"
#: Under each site: the GX validation results its pages are rendered from (JSON).
DOCS_RESULTS_DIR = ".results"
DOCS_INDEX_LIMIT = 200


def cache_data_docs_templates() -> None:
    """GX gives every Data Docs view a new Jinja environment, which compiles GX's ~30
    templates again: ~0.15 s of each ~0.2 s build. Let those environments share one
    bytecode cache (keyed by template name and source checksum), so that a process compiles
    the templates once. Idempotent; changes nothing else."""
    import jinja2
    from great_expectations.render.view.view import DefaultJinjaView

    if getattr(DefaultJinjaView.__init__, "__cakupan_bytecode__", False):
        return

    class ProcessBytecodeCache(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    cache = ProcessBytecodeCache()
    original = DefaultJinjaView.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    __init__.__cakupan_bytecode__ = True  # type: ignore[attr-defined]
    DefaultJinjaView.__init__ = __init__  # type: ignore[method-assign]


def _docs_context(site_dir: Path) -> Any:
    """An in-memory GX context whose validation results persist under the site, so that the
    site keeps the latest page of every suite and period, not just those of this run."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    defaults.stores[defaults.validation_results_store_name]["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": str(site_dir / DOCS_RESULTS_DIR),
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir),
                },
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "show_how_to_buttons": False,
                    # The index links the newest pages only: its cost stays bounded.
                    "validation_results_limit": DOCS_INDEX_LIMIT,
                },
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def build_docs(outcomes: Sequence[SuiteOutcome], site_dir: Path, run_id: str) -> Path:
    """Add this step's validations to its Data Docs site and render their pages.

    One page per GX validation and period: a period validated again replaces its page (GX's
    "run name" is ``<periode>_<Dagster run>``), the pages of other periods stay, so the links
    in earlier check results keep working. Sets each outcome's page and the site's index.
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    cache_data_docs_templates()
    site_dir = site_dir.resolve()  # GX wants absolute paths
    context = _docs_context(site_dir)
    store = context.validation_results_store
    stored = store.list_keys()
    now = dt.datetime.now(dt.UTC)
    pages: dict[int, Any] = {}  # one page per GX validation (suites validated together share it)
    for outcome in outcomes:
        result = outcome.gx_result
        if id(result) in pages:
            continue
        name, period = result.suite_name, outcome.suite.period
        for old in stored:
            if old.expectation_suite_identifier.name == name and str(
                old.run_id.run_name
            ).startswith(f"{period}_"):
                store.remove_key(old)
        batch = result.meta.get("active_batch_definition") or {}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
            run_id=RunIdentifier(run_name=f"{period}_{run_id[:8]}", run_time=now),
            batch_identifier=re.sub(r"[^\w.-]", "_", batch.get("data_asset_name") or "batch"),
        )
        store.set(key, result)
        pages[id(result)] = key
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=list(pages.values()))
    index = site_dir / "index.html"
    for outcome in outcomes:
        *folders, name = pages[id(outcome.gx_result)].to_tuple()
        page = site_dir.joinpath("validations", *folders, f"{name}.html")
        outcome.data_docs_page = page if page.is_file() else index
        outcome.data_docs_index = index
    return index
