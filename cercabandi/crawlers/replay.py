"""Recorded responses: the on-disk layout, a loopback server that replays them, and the recorder.

Layout of a replay directory ``DIR`` (one sub-directory per source)::

    DIR/<source>/index.json
    DIR/<source>/<body files>

``index.json``::

    {
      "source": "eu_sedia",
      "recorded_at": "2026-08-22T04:34:00Z",          # optional, informative
      "entries": [
        {
          "method": "POST",                            # GET when omitted
          "url": "https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA&...&pageNumber=1",
          "status": 200,                               # 200 when omitted
          "headers": {"Content-Type": "application/json"},
          "body_file": "page-001.json",                # relative to this index.json, or absolute
          "body_contains": ["\\"languages\\""]          # optional, POST only: substrings the request body must hold
        }
      ]
    }

A request is answered by the first entry with the same method and URL (compared
after ``w3lib.url.canonicalize_url``, so query order does not matter) whose
``body_contains`` strings all occur in the request body. Anything else gets a 404
whose body says "not recorded", and the miss is counted. ``body_file`` may point
anywhere (an absolute path, or ``../..``), so tests replay files they do not own
without copying them.

This module knows only this layout. The real captures kept beside the project
(``../shared/data``, in the publishers' own formats) are turned into entries by
``cercabandi.crawlers.shared_replay``; which of the two a folder holds is decided by
the caller (``cercabandi.flows.replaying``).

Spiders never know: ``ReplayMiddleware`` sends each request to
``<server>/replay?url=<original URL>`` with the same method, headers and body, and
gives the spider back a response whose ``url`` is the original one.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from w3lib.url import canonicalize_url

INDEX_NAME = "index.json"
REPLAY_PATH = "/replay"
# Hop-by-hop or transport headers that must not be replayed as recorded.
_SKIP_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}


class ReplayLayoutError(ValueError):
    """A replay directory that cannot be served, with what to fix."""


@dataclass(frozen=True)
class Entry:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body_path: Path
    body_contains: tuple[str, ...] = ()
    content: bytes | None = None  # served instead of the file: an envelope built in memory

    def payload(self) -> bytes:
        return self.content if self.content is not None else self.body_path.read_bytes()

    def matches_body(self, body: bytes) -> bool:
        text = body.decode("utf-8", errors="replace")
        return all(part in text for part in self.body_contains)


def canonical(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)


def replay_target(base_url: str, original_url: str) -> str:
    """The address on the replay server that stands for ``original_url``."""
    return f"{base_url.rstrip('/')}{REPLAY_PATH}?url={quote(original_url, safe='')}"


def load_index(index_file: Path) -> list[Entry]:
    try:
        data = json.loads(index_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReplayLayoutError(f"cannot read replay index {index_file}: {exc}") from exc
    raw_entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw_entries, list):
        raise ReplayLayoutError(
            f"{index_file} must be an object with an 'entries' list (see cercabandi.crawlers.replay)"
        )
    entries = []
    for number, raw in enumerate(raw_entries, 1):
        if not isinstance(raw, dict) or "url" not in raw or "body_file" not in raw:
            raise ReplayLayoutError(f"{index_file} entry {number}: 'url' and 'body_file' are required")
        body_path = Path(raw["body_file"])
        if not body_path.is_absolute():
            body_path = (index_file.parent / body_path).resolve()
        if not body_path.is_file():
            raise ReplayLayoutError(f"{index_file} entry {number}: body file {body_path} does not exist")
        entries.append(
            Entry(
                method=str(raw.get("method", "GET")).upper(),
                url=str(raw["url"]),
                status=int(raw.get("status", 200)),
                headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()},
                body_path=body_path,
                body_contains=tuple(raw.get("body_contains") or ()),
            )
        )
    return entries


def index_files(root: Path) -> list[Path]:
    """Every ``index.json`` of a replay directory (``root`` may itself be one source's folder)."""
    if (root / INDEX_NAME).is_file():
        return [root / INDEX_NAME]
    found = sorted(root.glob(f"*/{INDEX_NAME}"))
    if not root.is_dir():
        raise ReplayLayoutError(f"replay directory {root} does not exist")
    return found


@dataclass
class ReplayCatalogue:
    """All entries of a replay directory, looked up by method and canonical URL."""

    entries: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # the sources recorded, in order
    served: int = 0
    misses: list[str] = field(default_factory=list)

    @classmethod
    def from_dirs(cls, roots: Iterable[Path]) -> ReplayCatalogue:
        catalogue = cls()
        for root in roots:
            for index_file in index_files(root):
                for entry in load_index(index_file):
                    catalogue.add(index_file.parent.name, entry)
        return catalogue

    def add(self, source: str, entry: Entry) -> None:
        if source not in self.sources:
            self.sources.append(source)
        self.entries.setdefault((entry.method, canonical(entry.url)), []).append(entry)

    def find(self, method: str, url: str, body: bytes) -> Entry | None:
        for entry in self.entries.get((method.upper(), canonical(url)), []):
            if entry.matches_body(body):
                return entry
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _ReplayHTTPServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        original = parse_qs(split.query).get("url", [""])[0]
        catalogue = self.server.catalogue
        entry = catalogue.find(self.command, original, body) if split.path == REPLAY_PATH and original else None
        if entry is None:
            with self.server.lock:
                catalogue.misses.append(f"{self.command} {original or self.path}")
            payload = f"not recorded: {self.command} {original or self.path}\n".encode()
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        payload = entry.payload()
        with self.server.lock:
            catalogue.served += 1
        self.send_response(entry.status)
        headers = {k: v for k, v in entry.headers.items() if k.lower() not in _SKIP_HEADERS}
        if not any(k.lower() == "content-type" for k in headers):
            guessed = mimetypes.guess_type(entry.body_path.name)[0]
            headers["Content-Type"] = guessed or "application/octet-stream"
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_HEAD = do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return  # the crawl log already lists every request


class _ReplayHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, catalogue: ReplayCatalogue) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.catalogue = catalogue
        self.lock = threading.Lock()


class ReplayServer:
    """Serves a replay directory on loopback, in a background thread, until stopped."""

    def __init__(self, *roots: Path, catalogue: ReplayCatalogue | None = None) -> None:
        self.catalogue = catalogue if catalogue is not None else ReplayCatalogue.from_dirs(roots)
        self._server = _ReplayHTTPServer(self.catalogue)
        # A short poll interval: ``stop`` waits for it, and the crawl flow starts one server per source.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="replay-server", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serving(*roots: Path, catalogue: ReplayCatalogue | None = None) -> Iterator[ReplayServer]:
    server = ReplayServer(*roots, catalogue=catalogue).start()
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------- recording


def _suffix(content_type: str, url: str) -> str:
    media = content_type.split(";", 1)[0].strip().lower()
    known = {
        "application/json": ".json",
        "text/html": ".html",
        "application/xml": ".xml",
        "text/xml": ".xml",
        "application/pdf": ".pdf",
        "text/plain": ".txt",
    }
    if media in known:
        return known[media]
    guessed = mimetypes.guess_extension(media) if media else None
    if guessed:
        return guessed
    tail = Path(urlsplit(url).path).suffix
    return tail if 1 < len(tail) <= 6 else ".bin"


class Recorder:
    """Writes responses of one source into the replay layout (``DIR/<source>/``).

    Entries are keyed by method, URL and request body; recording the same request
    again (a retry) keeps the last answer. ``close()`` writes ``index.json``.
    """

    def __init__(self, root: Path, source: str, recorded_at: str) -> None:
        self.folder = root / source
        self.folder.mkdir(parents=True, exist_ok=True)
        self.source = source
        self.recorded_at = recorded_at
        self._entries: dict[str, dict[str, Any]] = {}

    def add(
        self, *, method: str, url: str, request_body: bytes, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        key = hashlib.sha256(f"{method} {canonical(url)}".encode() + b"\0" + request_body).hexdigest()[:20]
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        name = f"{key}{_suffix(content_type, url)}"
        (self.folder / name).write_bytes(body)
        entry: dict[str, Any] = {
            "method": method.upper(),
            "url": url,
            "status": status,
            "headers": {k: v for k, v in headers.items() if k.lower() not in _SKIP_HEADERS},
            "body_file": name,
        }
        if request_body and method.upper() != "GET":
            # The whole body must match: a POST's form or JSON is what tells pages apart.
            entry["body_contains"] = [request_body.decode("utf-8", errors="replace")]
        self._entries[key] = entry

    def close(self) -> Path:
        index = self.folder / INDEX_NAME
        data = {"source": self.source, "recorded_at": self.recorded_at, "entries": list(self._entries.values())}
        index.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return index
