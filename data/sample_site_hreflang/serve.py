"""Serve the hreflang sample site on 127.0.0.1 with a real HTTP server (one host, both languages).

    python data/sample_site_hreflang/serve.py [--root DIR] [--port N] [--ready-file F]

Port 0 picks a free port; `--ready-file` receives {"site": base_url} once it listens. The
site's own host inside pages is rewritten to this address (off-site hosts are left alone).
Redirects from `behaviors.json`; ETag with conditional GET (304), as WordPress behind a cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
REAL_HOST = "https://www.sada-news.example"
FIXED_LAST_MODIFIED = "Mon, 04 Mar 2024 00:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    server_version = "SampleSada/1.0"

    def __init__(self, *args, root: Path, base: list[str], **kwargs) -> None:
        self.root = root
        self.base = base  # filled once the server has its port
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:  # quiet: tests read the crawl's log
        pass

    def rewrite(self, body: bytes) -> bytes:
        return body.replace(REAL_HOST.encode(), self.base[0].encode())

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        try:
            path = unquote(urlsplit(self.path).path, errors="strict")
        except UnicodeDecodeError:
            return self.send_plain(400, "bad percent-encoding")
        behaviors = json.loads((self.root / "behaviors.json").read_text(encoding="utf-8"))
        behavior = behaviors.get(path, {})
        if "redirect" in behavior:
            self.send_response(behavior.get("status", 301))
            self.send_header("Location", self.rewrite(behavior["redirect"].encode()).decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        file = self.file_for(path)
        if file is None or not file.is_file():
            return self.send_plain(404, "not found")
        body = self.rewrite(file.read_bytes())
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("Content-Type", self.content_type(file))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", FIXED_LAST_MODIFIED)
        self.end_headers()
        if not head:
            self.wfile.write(body)
        return None

    def file_for(self, path: str) -> Path | None:
        if ".." in path.split("/") or path.endswith(".json"):
            return None
        candidate = self.root / path.strip("/")
        if path.endswith("/") or candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate

    @staticmethod
    def content_type(file: Path) -> str:
        if file.name == "robots.txt":
            return "text/plain; charset=utf-8"
        if file.suffix == ".xml" or file.parent.name == "feed":
            return "application/xml; charset=utf-8"
        return "text/html; charset=UTF-8"

    def send_plain(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(root: Path, port: int = 0) -> tuple[str, ThreadingHTTPServer]:
    base: list[str] = [""]
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, root=root, base=base))
    base[0] = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return base[0], server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE / "www")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args()
    base, server = serve(args.root.resolve(), args.port)
    if args.ready_file:
        tmp = args.ready_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"site": base}), encoding="utf-8")
        tmp.replace(args.ready_file)
    print(f"hreflang sample site: {base}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
