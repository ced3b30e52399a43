"""The HTML report: one self-contained page per published period, and ``index.html`` for
the latest, under ``<warehouse>/report/``.

Self-contained: the chart library (Vega, Vega-Lite and vega-embed, vendored from npm in
``vendor/``) is inlined once per page, every chart's data is inside its spec, every CSV is a
``data:`` link; the page loads nothing from the network and opens from a folder, a mail
attachment or a phone. About 1.1 MB a page, most of it the chart library.

Pages are written like the published file: to a temporary file, then renamed, so a
browser never opens a half-written report.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from assets.report.data import (
    DROP_POINTS,
    NotPublishedError,
    Published,
    View,
    read_published,
    select_view,
)
from assets.report.formatting import nama_periode
from assets.report.sections import Block, Content, content
from assets.warehouse import Warehouse
from contract.reference import table as reference_table

HERE = Path(__file__).parent
INDEX = "index.html"
#: The Data Docs sites of the check steps, linked from the report (if built).
DATA_DOCS_SITES = (
    ("staging", "Data masuk"),
    ("core", "Orang"),
    ("mart", "Tabel cakupan"),
    ("published", "Berkas terbit"),
)


#: Vega, Vega-Lite (the version Altair writes) and vega-embed, from npm (vendor/README.md).
VEGA_FILES = ("vega@6.2.0.min.js", "vega-lite@6.4.1.min.js", "vega-embed@7.0.2.min.js")


@functools.cache
def vega_bundle() -> str:
    """The chart library as one script, safe to inline (no ``</script`` inside)."""
    scripts = [(HERE / "vendor" / name).read_text(encoding="utf-8") for name in VEGA_FILES]
    return ";\n".join(scripts).replace("</script", "<\\/script")


@functools.cache
def template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE), autoescape=True, trim_blocks=True
    )
    return env.get_template("report.html.j2")


def inline_json(value: Any) -> Markup:
    """JSON to inline in a ``<script>``: no ``</`` or ``<!--`` can end or confuse it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


def csv_uri(block: Block) -> str:
    data = base64.b64encode(block.csv().encode("utf-8")).decode("ascii")
    return f"data:text/csv;charset=utf-8;base64,{data}"


@dataclass(frozen=True)
class PeriodLink:
    period: str
    name: str
    file: str


@dataclass(frozen=True)
class ProvinceLink:
    kode: str  # Kemendagri
    nama: str
    status: str  # of the latest period the national file names (mart.national_status)
    href: str | None  # the province's report, relative to the national page; None: none yet


@dataclass(frozen=True)
class ProvinceLinks:
    """The national page's list of provinces: each one's report and, when the latest
    period is still waiting for some, which (``mart.national_status``)."""

    period: str  # the latest period of mart.national_status
    links: list[ProvinceLink]

    @property
    def missing(self) -> list[ProvinceLink]:
        return [p for p in self.links if p.status != "published"]


def report_file(period: str) -> str:
    return f"{period}.html"


def render(
    view: View,
    bpu_minimum_rp: int,
    source: str,
    data_docs: list[tuple[str, str]] | None = None,
) -> str:
    """The report of ``view`` as one HTML document."""
    return render_content(content(view, bpu_minimum_rp), source, data_docs)


def render_content(
    page: Content,
    source: str,
    data_docs: list[tuple[str, str]] | None = None,
    provinces: ProvinceLinks | None = None,
) -> str:
    """A page of the report: ``page`` (its headline, blocks and flags) in the one layout,
    with, on the national page, the links to the provinces' pages (``provinces``)."""
    view = page.view
    info = view.published.tables["mart.published_periods"].filter(
        view.published.tables["mart.published_periods"]["periode"] == view.period
    )
    published_at = info["published_at"][0] if info.height else None
    specs = {f"chart-{b.id}": b.chart for b in page.blocks if b.chart is not None}
    return template().render(
        css=Markup((HERE / "report.css").read_text(encoding="utf-8")),
        bundle=Markup(vega_bundle()),
        specs=inline_json(specs),
        scope=view.published.name,
        period=view.period,
        period_name=nama_periode(view.period),
        labour_year=info["tahun_pekerja"][0] if info.height else "",
        published_at=(
            published_at.strftime("%d-%m-%Y %H:%M UTC")
            if isinstance(published_at, dt.datetime)
            else ""
        ),
        periods=[PeriodLink(p, nama_periode(p), report_file(p)) for p in view.published.periods],
        figures=page.figures,
        blocks=page.blocks,
        flags=page.flags,
        provinces=provinces,
        drop_points=f"{DROP_POINTS:g}",
        data_docs=data_docs or [],
        source=source,
        csv_uri=csv_uri,
    )


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``. (Not
    ``mkstemp``: its files are private to their owner, and a report is for others.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def data_docs_links(report_dir: Path, data_docs_dir: Path) -> list[tuple[str, str]]:
    """Relative links from the report folder to each Data Docs site that exists."""
    return [
        (title, os.path.relpath(data_docs_dir / site / INDEX, report_dir).replace(os.sep, "/"))
        for site, title in DATA_DOCS_SITES
        if (data_docs_dir / site / INDEX).is_file()
    ]


def write_reports(
    published: Published,
    report_dir: Path,
    bpu_minimum_rp: int,
    source: str,
    data_docs_dir: Path | None = None,
    periods: list[str] | None = None,
) -> list[Path]:
    """One page per period (default: every published period) and, when the latest period
    is among them, ``index.html``, a copy of its page. Returns the paths written, index
    last."""
    links = data_docs_links(report_dir, data_docs_dir) if data_docs_dir else []
    latest = published.periods[-1] if published.periods else None
    written = []
    for period in periods if periods is not None else published.periods:
        html = render(select_view(published, period), bpu_minimum_rp, source, links)
        path = report_dir / report_file(period)
        write_atomically(path, html)
        written.append(path)
        if period == latest:
            write_atomically(report_dir / INDEX, html)
    if latest is not None and report_dir / report_file(latest) in written:
        written.append(report_dir / INDEX)
    return written


def province_name(warehouse: Warehouse) -> str:
    """The name of the one province a warehouse publishes (a province of a deployment of
    several has its own: its page must not say Kalimantan Timur)."""
    if len(warehouse.covered_provinces) != 1:
        return Published.name
    ref = reference_table("ref_province")
    names = dict(zip(ref.column("kode_kemendagri"), ref.column("nama_provinsi"), strict=True))
    return str(names[warehouse.covered_provinces[0]])


def write_warehouse_reports(
    warehouse: Warehouse, periods: list[str] | None = None, since: str | None = None
) -> list[Path]:
    """The reports of the warehouse's published file (see `write_reports`): of ``periods``,
    or of every published period from ``since`` on (a period's page compares it with the
    periods before, so publishing one changes its page and the later ones), or of all.
    The file is read in one short-lived read-only connection, closed before any page is
    rendered."""
    with warehouse.read_published_fresh() as conn:
        if conn is None:
            raise NotPublishedError(f"nothing published yet at {warehouse.published_path}")
        published = replace(read_published(conn), name=province_name(warehouse))
    if periods is None and since is not None:
        periods = [p for p in published.periods if p >= since]
    return write_reports(
        published,
        warehouse.report_dir,
        warehouse.bpu_minimum_contribution_rp,
        Path(warehouse.published_path).name,
        warehouse.data_docs_dir,
        periods,
    )
