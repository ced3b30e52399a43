"""Data Docs people can open offline: every asset GX's pages load from a CDN is vendored
(checks/data_docs_vendor/) and rewritten to a relative path after each build; a page
that still loads from the network fails the build. (In a real browser with the network
cut: tests/test_report_browser.py.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from checks.data_docs import CDN, VENDOR_DIR, ExternalAssetError, external_assets, make_offline

# GX's installed templates, found without importing GX (~4 s).
GX_SPEC = importlib.util.find_spec("great_expectations")
assert GX_SPEC is not None and GX_SPEC.origin is not None
TEMPLATES = Path(GX_SPEC.origin).parent / "render" / "view"


def gx_external_urls() -> set[str]:
    """Every URL GX's installed templates load a script, stylesheet or image from."""
    urls = set()
    for template in TEMPLATES.rglob("*.j2"):
        urls |= set(re.findall(r'(?:src|href)="(https?://[^"{]+)"', template.read_text()))
    return {u for u in urls if "greatexpectations.io" not in u}  # links to read, not assets


def test_every_cdn_url_of_gx_is_vendored() -> None:
    # A GX upgrade that adds or changes a URL fails here first.
    assert gx_external_urls() == set(CDN)
    for vendored in CDN.values():
        assert (VENDOR_DIR / vendored).is_file(), vendored
    for package in {v.split("/")[0] for v in CDN.values()}:
        assert list((VENDOR_DIR / package).glob("LICENSE*")), f"{package}: licence kept"


def site_with_page(tmp_path: Path, body: str) -> Path:
    site = tmp_path / "site"
    page = site / "validations" / "checks" / "run" / "20250401T000000Z" / "2025-03.html"
    page.parent.mkdir(parents=True)
    page.write_text(body)
    (site / "static" / "styles").mkdir(parents=True)
    (site / "static" / "styles" / "data_docs_default_styles.css").write_text(
        ".logo{background:url(https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
        "full_logo_dark.png)}"
    )
    return page


def test_cdn_urls_become_relative_paths_to_vendored_files(tmp_path: Path) -> None:
    tags = "".join(
        f'<script src="{url}" integrity="sha384-x" crossorigin="anonymous"></script>' for url in CDN
    )
    logo = (
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/'
        'logo-long.png?d=20250401&dataContextId=abc">'
    )
    page = site_with_page(
        tmp_path,
        f"<html><head>{tags}</head><body>{logo}"
        '<a href="https://docs.greatexpectations.io">docs</a></body></html>',
    )
    make_offline(tmp_path / "site")
    text = page.read_text()
    assert external_assets(text) == []
    assert "integrity=" not in text and "crossorigin=" not in text
    vendored = re.findall(r'src="([^"]+/vendor/[^"]+)"', text)
    assert len(vendored) == len(CDN)
    for src in vendored:
        assert (page.parent / src).resolve().is_file(), src  # the vendored copy is there
    assert '<img src="../../../../static/images/logo-long.png">' in text  # GX's own copy
    assert 'href="https://docs.greatexpectations.io"' in text  # a link to read stays
    css = (tmp_path / "site" / "static" / "styles" / "data_docs_default_styles.css").read_text()
    assert "url(../images/logo-long.png)" in css


def test_an_unknown_external_asset_fails_the_build_naming_it(tmp_path: Path) -> None:
    site_with_page(tmp_path, '<link rel="stylesheet" href="https://cdn.example.org/new@2.css">')
    with pytest.raises(ExternalAssetError, match=r"cdn\.example\.org/new@2\.css"):
        make_offline(tmp_path / "site")
