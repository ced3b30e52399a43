"""GX Data Docs for the check steps: one static site per step under
``<warehouse>/data_docs/<step>/``, keeping the latest page of every suite and period.

The sites are for people, who open them from a folder, often without internet:

- **offline**: GX's pages load bootstrap, jQuery, bootstrap-table, Vega and Font Awesome
  from CDNs. The same files, vendored from npm in ``checks/data_docs_vendor/`` (see its
  README), are copied into each site and every CDN URL is rewritten to a relative path
  after each build (`make_offline`); a page that still loads anything from the network
  fails the build, so a GX upgrade that changes a URL is noticed at once.
- **readable names**: a result is named after what it checked and when: the table and
  period as its data asset (``mart.coverage_region 2025-04``), the Dagster run id as its
  run name, the period as its batch, instead of GX's ``query_<hash>`` and ``__none__``.
"""

from __future__ import annotations

import copy
import datetime as dt
import filecmp
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checks.outcomes import SuiteOutcome

DOCS_SITE = "cakupan"
#: Under each site: the GX validation results its pages are rendered from (JSON).
DOCS_RESULTS_DIR = ".results"
DOCS_INDEX_LIMIT = 200

#: The vendored copies of the CDN files (``checks/data_docs_vendor/README.md``).
VENDOR_DIR = Path(__file__).with_name("data_docs_vendor")
#: Exactly as GX 1.24's templates write them -> the vendored file (under static/vendor/).
CDN = {
    "https://cdn.jsdelivr.net/npm/vega@5": "vega@5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite@5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed@6.29.0/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free@6.6.0/css/all.min.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js@1.12.9/umd/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap@4.3.1/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap@4.3.1/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table@1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table@1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table@1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table@1.19.0/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table@1.19.0/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker@1.9.0/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker@1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark@1.1.0/css/bootstrap-prefers-dark.css",
}
#: GX's logo, loaded from S3 with the time and the context id in the query string.
GX_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/"
    r"(?:logo-long|full_logo_dark)\.png[^\"')]*"
)
#: SRI and CORS attributes: ``crossorigin`` makes a browser refuse a script from file://.
SRI = re.compile(r"\s+(?:integrity|crossorigin)=\"[^\"]*\"")
#: Anything a page or stylesheet would load from the network (links to read are fine).
EXTERNAL_ASSET = re.compile(
    r"<(?:script|img|link|iframe|source)\b[^>]*?\b(?:src|href)=[\"'](?:https?:)?//[^\"']+"
    r"|url\(\s*[\"']?(?:https?:)?//[^)]+\)",
    re.IGNORECASE,
)


class ExternalAssetError(RuntimeError):
    """A Data Docs page still loads something from the network after `make_offline`."""


def copy_vendor(site_dir: Path) -> None:
    """The vendored files under ``static/vendor/``, copied only when they changed."""
    target = site_dir / "static" / "vendor"
    for source in VENDOR_DIR.rglob("*"):
        if source.is_file():
            dest = target / source.relative_to(VENDOR_DIR)
            if not dest.is_file() or not filecmp.cmp(source, dest, shallow=False):
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)


def offline_text(text: str, static: str) -> str:
    """``text`` with every CDN URL replaced by its vendored copy under ``static`` (a path
    relative to the page), GX's logo by its local copy, and SRI attributes dropped."""
    for url, vendored in CDN.items():
        text = text.replace(f'"{url}"', f'"{static}/vendor/{vendored}"')
    return SRI.sub("", GX_LOGO.sub(f"{static}/images/logo-long.png", text))


def external_assets(text: str) -> list[str]:
    return sorted(set(EXTERNAL_ASSET.findall(text)))


def make_offline(site_dir: Path, since: float = 0.0) -> None:
    """Make the site readable without network: the vendored files in, the CDN URLs of the
    pages written since ``since`` (a timestamp; 0: every page) and of GX's stylesheets
    rewritten. Raises `ExternalAssetError` naming the page and the URL if any remain."""
    copy_vendor(site_dir)
    static = site_dir / "static"
    pages = [
        p
        for p in site_dir.rglob("*.html")
        if static not in p.parents and p.stat().st_mtime >= since
    ]
    sheets = list((static / "styles").glob("*.css"))
    left: dict[str, list[str]] = {}
    for path in [*pages, *sheets]:
        relative = os.path.relpath(static, path.parent).replace(os.sep, "/")
        text = path.read_text(encoding="utf-8")
        offline = offline_text(text, relative) if path.suffix == ".html" else text
        if path.suffix == ".css":
            offline = GX_LOGO.sub("../images/logo-long.png", text)
        if offline != text:
            path.write_text(offline, encoding="utf-8")
        if found := external_assets(offline):
            left[str(path.relative_to(site_dir))] = found
    if left:
        raise ExternalAssetError(
            f"Data Docs under {site_dir} still load from the network (a GX upgrade changed a "
            f"URL? add it to CDN in checks/data_docs.py): {left}"
        )


def readable_result(result: Any, run_identifier: Any, asset_name: str) -> Any:
    """A copy of GX's result that names its data asset and run as people read them: GX
    takes a page's run name from ``meta["run_id"]`` (unset: ``__none__``) and its data asset
    from the batch's ``data_asset_name`` (a query asset: ``query_<hash>``)."""
    named = copy.deepcopy(result)
    named.meta["run_id"] = run_identifier
    for key in ("batch_spec", "active_batch_definition"):
        if isinstance(named.meta.get(key), dict):
            named.meta[key]["data_asset_name"] = asset_name
    return named


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
    """Add this step's validations to its Data Docs site and render their pages, readable
    offline (`make_offline`).

    One page per GX validation and period (its batch): a period validated again replaces
    its page, the pages of other periods stay, so the links in earlier check results keep
    working. Run name = the Dagster run id; data asset = "<table> <period>". Sets each
    outcome's page and the site's index.
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
    started = now.timestamp() - 1  # file times may be rounded to the second
    run_identifier = RunIdentifier(run_name=run_id, run_time=now)
    pages: dict[int, Any] = {}  # one page per GX validation (suites validated together share it)
    for outcome in outcomes:
        result = outcome.gx_result
        if id(result) in pages:
            continue
        name, period = result.suite_name, outcome.suite.period
        for old in stored:
            if old.expectation_suite_identifier.name == name and (
                old.batch_identifier == period
                # pages named before run names were Dagster run ids: "<periode>_<run>"
                or str(old.run_id.run_name).startswith(f"{period}_")
            ):
                store.remove_key(old)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
            run_id=run_identifier,
            batch_identifier=period,
        )
        asset = ".".join(outcome.suite.spec.asset)
        store.set(key, readable_result(result, run_identifier, f"{asset} {period}"))
        pages[id(result)] = key
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=list(pages.values()))
    make_offline(site_dir, since=started)
    index = site_dir / "index.html"
    for outcome in outcomes:
        *folders, name = pages[id(outcome.gx_result)].to_tuple()
        page = site_dir.joinpath("validations", *folders, f"{name}.html")
        outcome.data_docs_page = page if page.is_file() else index
        outcome.data_docs_index = index
    return index
