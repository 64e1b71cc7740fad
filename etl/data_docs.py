"""Great Expectations Data Docs that open with no network (file://, an air-gapped machine).

GX's page templates load bootstrap, jQuery, bootstrap-table, Font Awesome, vega and a logo from
CDNs and an S3 bucket: offline the index is empty (bootstrap-table draws its links) and every page
is unstyled, and online each view tells those hosts that someone opened the docs. GX's own
template loader looks in its package before any custom views folder, so the templates cannot be
overridden cleanly; instead the pages a build wrote are rewritten to relative paths, and the
assets they name are copied into the site's `static/vendor/<package>@<version>/`.

The assets are the npm packages of exactly the versions in GX's URLs, pinned with their sha512 in
package-lock.json and installed by `make install` (`npm ci`, which checks every hash). Nothing is
fetched at run time. A GX upgrade that names another URL leaves it in the pages: it is logged here
and fails tests/test_data_docs.py, which looks for any outside script, style, font or image.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from etl.config import PROJECT_ROOT, PermanentError

log = logging.getLogger(__name__)

NODE_MODULES = PROJECT_ROOT / "node_modules"
VENDOR = Path("static") / "vendor"
# File systems stamp mtimes from a coarse clock that can lag time.time_ns() by a tick: pages written
# just after the build started may look older than its start. Rewriting a page twice changes nothing.
MTIME_SLACK_NS = 2_000_000_000


@dataclass(frozen=True)
class Asset:
    url: str  # exactly as GX's templates write it
    package: str  # folder under node_modules (an npm alias when two versions of one package are needed)
    version: str  # the version the URL names (for vega*, the newest of the major it names)
    file: str  # path inside the package


# great_expectations/render/view/templates/{index_page,page,page_minimal,js_script_imports}.j2 (GX 1.24.1)
ASSETS = [
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
          "bootstrap-table", "1.19.1", "dist/bootstrap-table.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
          "bootstrap-table", "1.19.1", "dist/bootstrap-table.min.js"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
          "bootstrap-table", "1.19.1", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    Asset("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
          "bootstrap-table-1.19.0", "1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
          "bootstrap-table-1.19.0", "1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.css"),
    Asset("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
          "bootstrap", "4.3.1", "dist/css/bootstrap.min.css"),
    Asset("https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
          "bootstrap", "4.3.1", "dist/js/bootstrap.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
          "bootstrap-datepicker", "1.9.0", "dist/css/bootstrap-datepicker.min.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
          "bootstrap-datepicker", "1.9.0", "dist/js/bootstrap-datepicker.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
          "@forevolve/bootstrap-dark", "1.1.0", "dist/css/bootstrap-prefers-dark.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
          "@fortawesome/fontawesome-free", "6.6.0", "css/all.min.css"),
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", "jquery", "3.7.1", "dist/jquery.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
          "popper.js", "1.12.9", "dist/umd/popper.min.js"),
    # jsdelivr serves a bare package name as its package.json "jsdelivr" file
    Asset("https://cdn.jsdelivr.net/npm/vega@5", "vega", "5.33.1", "build/vega.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite", "5.23.0", "build/vega-lite.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-embed@6", "vega-embed", "6.29.0", "build/vega-embed.min.js"),
]

# top_navbar.j2's logo (with a timestamp and the context id in its query string: a beacon) and the
# dark-mode logo of data_docs_default_styles.css. GX ships logo-long.png in the site's static/images;
# no package has the dark variant, so dark mode shows the same logo.
S3_IMAGE = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/"
                      r"(?P<name>logo-long|full_logo_dark)\.png(?:\?[^\"')\s]*)?")
LOCAL_LOGO = "static/images/logo-long.png"

# What a browser fetches by itself: src/href of anything but a link to follow, CSS url() and @import.
OUTSIDE = re.compile(
    r"<(?!a[\s>])[a-z]+\b[^>]*?\s(?:src|href|srcset|poster|data)\s*=\s*[\"']?(?P<tag>(?:https?:)?//[^\"'\s>]+)"
    r"|url\(\s*[\"']?(?P<css>(?:https?:)?//[^\"')\s]+)"
    r"|@import\s+(?:url\()?\s*[\"'](?P<imp>(?:https?:)?//[^\"']+)",
    re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*[\"']?(?![\"']?(?:data:|https?:|//|#))([^\"')?#]+)")
SRI = re.compile(r"\s(?:integrity|crossorigin)=\"[^\"]*\"")


class AssetsMissing(PermanentError):
    """The pinned assets are not installed (node_modules): pages would need the network."""


def outside_references(text: str) -> list[str]:
    """URLs a browser would fetch from another host on its own when showing this HTML or CSS."""
    return [m.group("tag") or m.group("css") or m.group("imp") for m in OUTSIDE.finditer(text)]


def _installed(asset: Asset) -> tuple[Path, str]:
    """The asset's package folder and its `name@version` (the folder it gets in the site)."""
    root = NODE_MODULES / asset.package
    try:
        meta = json.loads((root / "package.json").read_text())
    except FileNotFoundError:
        raise AssetsMissing(f"Data Docs assets are not installed ({root} is missing): run `make install`") from None
    if meta["version"] != asset.version:
        raise AssetsMissing(f"{root} is version {meta['version']}, the Data Docs need {asset.version} "
                            "(package-lock.json): run `make install`")
    return root, f"{meta['name']}@{asset.version}"


def _copy(src: Path, dst: Path) -> None:
    if not (dst.exists() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes()):
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def install_assets(docs_dir: Path) -> dict[str, str]:
    """Copy every asset (and the fonts its CSS names) into the site; return URL -> path in the site."""
    local = {}
    for asset in ASSETS:
        root, folder = _installed(asset)
        files = [asset.file]
        if asset.file.endswith(".css"):  # relative url()s: Font Awesome's ../webfonts/
            css = (root / asset.file).read_text(encoding="utf-8")
            files += [os.path.normpath(os.path.join(os.path.dirname(asset.file), u)) for u in CSS_URL.findall(css)]
        for f in files:
            _copy(root / f, docs_dir / VENDOR / folder / f)
        local[asset.url] = f"{VENDOR.as_posix()}/{folder}/{asset.file}"
    return local


def localize(html: str, local: dict[str, str], to_root: str) -> str:
    """The page with every known outside asset pointing into the site (to_root: the page's way up to it)."""
    def tag(m: re.Match) -> str:
        t = m.group(0)
        for url, path in local.items():
            if f'"{url}"' in t:
                # SRI needs a CORS fetch, which file:// pages cannot make; the same bytes are checked by
                # npm ci (and tests check GX's own sha384 against them)
                return SRI.sub("", t.replace(f'"{url}"', f'"{to_root}{path}"'))
        return t
    html = re.sub(r"<(?:script|link)\b[^>]*>", tag, html)
    return S3_IMAGE.sub(to_root + LOCAL_LOGO, html)


def make_offline(docs_dir: Path, since_ns: int) -> list[str]:
    """Install the assets in the site and rewrite the pages (and GX's stylesheet copies) written since
    since_ns, all of them the first time so that sites built before this are fixed too; return the
    outside URLs still named."""
    first = not (docs_dir / VENDOR).exists()
    local = install_assets(docs_dir)
    left: set[str] = set()
    for page in docs_dir.rglob("*"):
        if page.suffix not in (".html", ".css") or page.is_relative_to(docs_dir / VENDOR):
            continue
        if not first and page.stat().st_mtime_ns < since_ns - MTIME_SLACK_NS:
            continue
        html = page.read_text(encoding="utf-8")
        to_root = os.path.relpath(docs_dir, page.parent).replace(os.sep, "/") + "/"
        new = localize(html, local, "" if to_root == "./" else to_root)
        if new != html:
            page.write_text(new, encoding="utf-8")
        left.update(outside_references(new))
    if left:
        log.warning("Data Docs still load %d outside URL(s) (a GX upgrade? add them to etl/data_docs.py ASSETS): %s",
                    len(left), ", ".join(sorted(left)))
    return sorted(left)
