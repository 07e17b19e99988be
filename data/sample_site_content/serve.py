"""Serve the content-pairing sample site on 127.0.0.1 with a real HTTP server.

    python data/sample_site_content/serve.py [--root DIR] [--port N] [--ready-file F]

The same server as the hreflang sample site's (ETag, conditional GET), with this site's host
rewritten to the server's address.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "sample_site_hreflang"))
import serve as hreflang_serve  # noqa: E402

REAL_HOST = "https://www.furat-post.example"


class Handler(hreflang_serve.Handler):
    server_version = "SampleFurat/1.0"

    def rewrite(self, body: bytes) -> bytes:
        return body.replace(REAL_HOST.encode(), self.base[0].encode())


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
    print(f"content sample site: {base}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
