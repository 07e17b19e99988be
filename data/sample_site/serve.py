"""Serve the sample English and Arabic sites on 127.0.0.1, one port each, with a real HTTP server.

    python data/sample_site/serve.py [--root DIR] [--port-en N] [--port-ar N] [--ready-file F]

Port 0 picks free ports; `--ready-file` receives {"en": base_url, "ar": base_url} once both
listen, so tests and the demo know where to point the crawler. Links to the real hosts inside
pages are rewritten to these addresses. Behaviours from `behaviors.json`: pages that fail the
first N times (then succeed; with headers, e.g. Retry-After, if given), redirects, a wrong
Content-Type charset. ETag and Last-Modified with conditional GET (304), as WordPress behind a
cache does. Files are read on every request, so a test may edit a page while the server runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import sys
import threading
from collections import Counter
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
REAL_HOSTS = {"en": "https://english.enabbaladi.net", "ar": "https://www.enabbaladi.net"}
AR_ARTICLE = re.compile(r"^/(\d+)/([^/]+)/$")
FIXED_LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"


class SiteState:
    def __init__(self, root: Path, side: str, bases: dict[str, str]) -> None:
        self.root = root / side
        self.side = side
        self.bases = bases
        behaviors = json.loads((root / "behaviors.json").read_text(encoding="utf-8"))
        self.behaviors: dict[str, dict] = behaviors.get(side, {})
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def rewrite(self, body: bytes) -> bytes:
        for side, real in REAL_HOSTS.items():
            body = body.replace(real.encode(), self.bases[side].encode())
        return body


class Handler(BaseHTTPRequestHandler):
    server_version = "SampleEnab/1.0"

    def __init__(self, *args, state: SiteState, **kwargs) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:  # quiet: tests read the crawl's log
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        st = self.state
        raw_path = urlsplit(self.path).path
        try:
            path = unquote(raw_path, errors="strict")
        except UnicodeDecodeError:
            return self.send_plain(400, "bad percent-encoding")
        key = path
        match = AR_ARTICLE.match(path) if st.side == "ar" else None
        if match:  # /<id>/<slug>/: the slug must be the page's own, correctly encoded
            slug_file = st.root / match.group(1) / "slug.txt"
            if not slug_file.exists() or slug_file.read_text(encoding="utf-8") != match.group(2):
                return self.send_plain(404, "not found")
            key = f"/{match.group(1)}/"
        behavior = st.behaviors.get(key, {})
        with st.lock:
            st.hits[key] += 1
            hit = st.hits[key]
        if hit <= behavior.get("fail_first", 0):
            return self.send_plain(behavior["status"], "temporary failure", behavior.get("headers"))
        if "redirect" in behavior:
            self.send_response(behavior.get("status", 301))
            self.send_header("Location", st.rewrite(behavior["redirect"].encode()).decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        file = st.root / behavior["file"] if "file" in behavior else self.file_for(key)
        if file is None or not file.is_file():
            return self.send_plain(404, "not found")
        body = st.rewrite(file.read_bytes())
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("Content-Type", behavior.get("content_type") or self.guess_type(file))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", FIXED_LAST_MODIFIED)
        self.end_headers()
        if not head:
            self.wfile.write(body)
        return None

    def file_for(self, path: str) -> Path | None:
        if ".." in path.split("/"):
            return None
        rel = path.strip("/")
        candidate = self.state.root / rel
        if path.endswith("/") or candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate

    @staticmethod
    def guess_type(file: Path) -> str:
        if file.name == "robots.txt":
            return "text/plain; charset=utf-8"
        if file.suffix == ".xml":
            return "application/xml; charset=utf-8"
        return "text/html; charset=UTF-8"

    def send_plain(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        body = text.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():  # e.g. Retry-After on a 429
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(root: Path, port_en: int = 0, port_ar: int = 0) -> tuple[dict[str, str], list]:
    """Start both sites in background threads; returns their base URLs and the servers."""
    bases: dict[str, str] = {}
    servers = []
    states = []
    for side, port in (("en", port_en), ("ar", port_ar)):
        state = SiteState(root, side, bases)
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, state=state))
        server.daemon_threads = True
        bases[side] = f"http://127.0.0.1:{server.server_address[1]}"
        servers.append(server)
        states.append(state)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return bases, servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE / "www")
    parser.add_argument("--port-en", type=int, default=0)
    parser.add_argument("--port-ar", type=int, default=0)
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args()
    bases, servers = serve(args.root, args.port_en, args.port_ar)
    if args.ready_file:
        tmp = args.ready_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(bases))
        tmp.replace(args.ready_file)
    print(json.dumps(bases), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
