"""Walk the drop folder and turn each file into raw articles, or into a rejection with a reason.

Supported: .txt (optional headline line followed by a blank line), .md (optional YAML front
matter), .html/.htm (visible text only), .jsonl (one article per line). Files named README*,
LICENSE*, NOTICE* or ATTRIBUTION* and hidden files are folder metadata and are skipped.
Symlinks are followed only when they resolve inside the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

from etl.config import MAX_FILE_BYTES
from etl.decode import decode

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}
METADATA_NAMES = re.compile(r"^(readme|license|licence|notice|attribution)(\..*)?$", re.I)


@dataclass
class RawArticle:
    article_id: str
    source_path: str
    text: str
    title: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    source_format: str = "txt"
    encoding: str | None = None


@dataclass
class Rejected:
    source_path: str
    reason: str
    content_sha256: str | None = None


@dataclass(frozen=True)
class FileStamp:
    """What identifies a file's version without reading it."""
    size: int
    mtime_ns: int
    raw_sha256: str


@dataclass
class Extraction:
    articles: list[RawArticle] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    stamps: dict[str, FileStamp] = field(default_factory=dict)  # files read in full with no rejection
    skipped: list[str] = field(default_factory=list)  # files left unread: their stamp matched `known`


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def discover(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Yield (path, reason) for every candidate file; reason is set when it must be rejected unread."""
    root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        for d in list(dirnames):
            if (here / d).is_symlink():
                dirnames.remove(d)
                yield here / d, "symlinked folder not followed (could loop or leave the input folder)"
        for name in sorted(filenames):
            if name.startswith(".") or METADATA_NAMES.match(name):
                continue
            path = here / name
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    yield path, "broken or looping symlink"
                    continue
                if not target.is_relative_to(root):
                    yield path, "symlink points outside the input folder; not followed"
                    continue
            if path.suffix.lower() not in SUPPORTED:
                yield path, f"unsupported file type '{path.suffix or '(none)'}' (expected .txt, .md, .html or .jsonl)"
                continue
            yield path, None


def extract(root: Path, max_bytes: int = MAX_FILE_BYTES, known: dict[str, FileStamp] | None = None) -> Extraction:
    """Read every supported file under root into raw articles; never raises for one bad file.

    Files whose size and mtime equal their stamp in `known` are not read (a nightly rerun over an
    unchanged folder costs a stat per file); they are listed in `skipped`, and their content still
    counts for duplicate detection."""
    out = Extraction()
    known = known or {}
    root_abs = root.resolve()
    found = [(path, path.relative_to(root_abs).as_posix(), reason) for path, reason in discover(root)]
    # Unchanged files that are still present are loaded already: a new file with their bytes is the duplicate.
    seen_content: dict[str, str] = {known[rel].raw_sha256: rel for _, rel, reason in found
                                    if reason is None and rel in known}
    for path, rel, reason in found:
        if reason:
            out.rejected.append(Rejected(rel, reason))
            continue
        try:
            st = path.stat()
            size = st.st_size
            stamp = known.get(rel)
            if stamp is not None and (stamp.size, stamp.mtime_ns) == (size, st.st_mtime_ns):
                out.skipped.append(rel)
                continue
            if size > max_bytes:
                out.rejected.append(Rejected(rel, f"file too large ({size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB)"))
                continue
            data = path.read_bytes()
        except FileNotFoundError:
            out.rejected.append(Rejected(rel, "file disappeared between discovery and reading"))
            continue
        except PermissionError:
            out.rejected.append(Rejected(rel, "permission denied when reading the file"))
            continue
        except OSError as exc:
            out.rejected.append(Rejected(rel, f"could not read file: {exc.strerror or exc}"))
            continue
        digest = sha256(data)
        decoded = decode(data)
        if decoded.text is None:
            out.rejected.append(Rejected(rel, decoded.reason or "not text", digest))
            continue
        if not decoded.text.strip():
            out.rejected.append(Rejected(rel, "file contains only whitespace", digest))
            continue
        if seen_content.get(digest, rel) != rel:
            out.rejected.append(Rejected(rel, f"same content as {seen_content[digest]}; loaded once", digest))
            continue
        seen_content[digest] = rel
        n_rejected = len(out.rejected)
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            arts, rej = parse_jsonl(rel, decoded.text)
            out.rejected.extend(rej)
        elif suffix in {".html", ".htm"}:
            arts = [parse_html(rel, decoded.text)]
        elif suffix in {".md", ".markdown"}:
            arts = [parse_markdown(rel, decoded.text)]
        else:
            arts = [parse_txt(rel, decoded.text)]
        for art in arts:
            art.encoding = decoded.encoding
            if art.text.strip():
                out.articles.append(art)
            else:
                out.rejected.append(Rejected(art.article_id, "no article text after extraction", digest))
        if len(out.rejected) == n_rejected:  # a file with a rejected part is read again next time
            out.stamps[rel] = FileStamp(size, st.st_mtime_ns, digest)
    return out


def parse_txt(rel: str, text: str) -> RawArticle:
    """A first short line followed by a blank line and without sentence-final punctuation is the headline."""
    title, body = _split_headline(text)
    return RawArticle(rel, rel, body, title=title, source_format="txt")


def _split_headline(text: str) -> tuple[str | None, str]:
    stripped = text.lstrip("\ufeff\n\r ")
    m = re.match(r"([^\n]{1,200})\r?\n[ \t]*\r?\n", stripped)
    if m and not re.search(r"[.,;:]\s*$", m.group(1)) and len(m.group(1).split()) <= 25:
        return m.group(1).strip(), stripped[m.end():]
    return None, text


def parse_date(value: object) -> datetime | None:
    """ISO dates and datetimes (with or without zone, stored as naive UTC); anything else is None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


def parse_jsonl(rel: str, text: str) -> tuple[list[RawArticle], list[Rejected]]:
    """One article per line: id, text required; title, published_at, url optional."""
    arts: list[RawArticle] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{rel}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append(Rejected(where, f"line {lineno} is not valid JSON ({exc.msg})", sha256(line)))
            continue
        if not isinstance(obj, dict):
            rejected.append(Rejected(where, f"line {lineno} is not a JSON object", sha256(line)))
            continue
        art_id, body = obj.get("id"), obj.get("text")
        if art_id is None or (isinstance(art_id, str) and not art_id.strip()):
            rejected.append(Rejected(where, f"line {lineno} has no 'id'", sha256(line)))
            continue
        if not isinstance(art_id, (str, int)) or isinstance(art_id, bool):
            rejected.append(Rejected(where, f"line {lineno}: 'id' must be a string or integer", sha256(line)))
            continue
        if not isinstance(body, str) or not body.strip():
            rejected.append(Rejected(where, f"line {lineno}: 'text' is missing or not a non-empty string", sha256(line)))
            continue
        art_id = str(art_id).strip()
        if art_id in seen:
            rejected.append(Rejected(where, f"line {lineno}: duplicate id '{art_id}' (first occurrence kept)", sha256(line)))
            continue
        seen.add(art_id)
        title = obj.get("title") if isinstance(obj.get("title"), str) else None
        url = obj.get("url") if isinstance(obj.get("url"), str) else None
        arts.append(RawArticle(f"{rel}#{art_id}", rel, body, title=title, url=url,
                               published_at=parse_date(obj.get("published_at")), source_format="jsonl"))
    return arts, rejected


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def parse_markdown(rel: str, text: str) -> RawArticle:
    """Front matter gives title/date/url; Markdown syntax is reduced to plain prose."""
    meta: dict[str, str] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        for line in m.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("'\"")
        text = text[m.end():]
    title = meta.get("title")
    lines: list[str] = []
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        heading = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            if title is None and not any(x.strip() for x in lines):
                title = heading.group(1)
                continue
            line = heading.group(1)
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)  # images
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)  # links
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
        line = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", line)
        line = re.sub(r"`([^`]+)`", r"\1", line)
        line = re.sub(r"^\s{0,3}(>\s?|[-*+]\s+|\d+\.\s+)", "", line)
        if re.fullmatch(r"\s{0,3}([-*_]\s*){3,}", line):
            continue
        lines.append(line)
    published = parse_date(meta.get("published_at") or meta.get("date"))
    return RawArticle(rel, rel, "\n".join(lines), title=title, published_at=published,
                      url=meta.get("url"), source_format="md")


class _HtmlText(HTMLParser):
    """Visible text with paragraph breaks; scripts, styles and page chrome are dropped."""

    SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
            "svg", "iframe", "button", "select", "head"}
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
             "section", "article", "tr", "table", "pre", "figcaption", "hr", "main"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.title: str | None = None
        self.h1: str | None = None
        self.meta: dict[str, str] = {}
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            a = {k: v or "" for k, v in attrs}
            key = (a.get("property") or a.get("name") or "").lower()
            if key:
                self.meta[key] = a.get("content", "")
            return
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "title" or (tag == "h1" and self.skip_depth == 0):
            self._in, self._buf = tag, []
        if tag in self.BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag == self._in:
            value = " ".join("".join(self._buf).split())
            if tag == "title":
                self.title = self.title or value or None
            else:
                self.h1 = self.h1 or value or None
            self._in = None
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buf.append(data)
        if self.skip_depth == 0 and self._in != "title":
            self.parts.append(data)


def parse_html(rel: str, text: str) -> RawArticle:
    """The visible body text; the <h1> (else <title>) is the headline and is not repeated in the body."""
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    body = "".join(parser.parts)
    body = "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip())
    title = parser.h1 or parser.title or parser.meta.get("og:title")
    if parser.h1 and body.startswith(parser.h1):
        body = body[len(parser.h1):].lstrip()
    published = parse_date(parser.meta.get("article:published_time") or parser.meta.get("date"))
    return RawArticle(rel, rel, body, title=title, published_at=published,
                      url=parser.meta.get("og:url"), source_format="html")
