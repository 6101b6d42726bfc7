#!/usr/bin/env python3
"""A loopback HTTP server that plays the public advisory feeds for tests.

Serves files (or zips built on the fly from directories, the way OSV
publishes <Ecosystem>/all.zip) under the same URL paths as the real hosts, so
`customs db update --mirror http://127.0.0.1:PORT` works against it:

  feed_server.py --route /npm/all.zip=zip:DIR[:ECOSYSTEM] \
                 --route /tracker/data/json=FILE ...

Prints "PORT PID" as its first line on stdout, then serves until killed (or
--lifetime seconds pass, so a test that crashes leaves nothing running).

Every response carries an ETag (sha256 of the content) and Last-Modified;
If-None-Match / If-Modified-Since get 304. Faults, per path:
  die   send Content-Length N, write N/2 bytes, close the connection
  500   HTTP 500
  slow  write 64 bytes every 0.5 s
  ok    normal
Control endpoints (GET, answer JSON):
  /_control/fault?path=P&mode=M      set a path's fault mode
  /_control/swap?path=P&file=F       serve F (or zip:DIR[:ECO]) at P from now on
  /_control/log                      the requests so far, oldest first
  /_control/clear                    forget the log
"""

import argparse
import email.utils
import hashlib
import io
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
import zipfile

import loopback  # noqa: E402  (tests/loopback.py)


def build_zip(directory, ecosystem):
    """OSV's all.zip layout: one <id>.json per record at the top level."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                data = f.read()
            if ecosystem:
                record = json.loads(data)
                ecos = {
                    a.get("package", {}).get("ecosystem")
                    for a in record.get("affected", [])
                }
                if ecosystem not in ecos:
                    continue
            z.writestr(name, data)
    return out.getvalue()


def load(spec):
    if spec.startswith("zip:"):
        parts = spec[4:].split(":")
        return build_zip(parts[0], parts[1] if len(parts) > 1 else "")
    with open(spec, "rb") as f:
        return f.read()


class Content:
    def __init__(self, body, modified):
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        self.modified = modified  # unix seconds, whole

    @property
    def last_modified(self):
        return email.utils.formatdate(self.modified, usegmt=True)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.routes = {}  # path -> Content
        self.faults = {}  # path -> mode
        self.log = []
        self.clock = int(time.time()) - 3600

    def set_route(self, path, spec):
        body = load(spec)
        with self.lock:
            # Each version gets a later Last-Modified, one second apart at least.
            self.clock += 10
            self.routes[path] = Content(body, self.clock)


STATE = State()


class Handler(loopback.QuietHandler):

    def control(self, url):
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/_control/fault":
            with STATE.lock:
                STATE.faults[q["path"]] = q["mode"]
            return self.send_json({"ok": True})
        if url.path == "/_control/swap":
            STATE.set_route(q["path"], q["file"])
            return self.send_json({"ok": True, "etag": STATE.routes[q["path"]].etag})
        if url.path == "/_control/log":
            with STATE.lock:
                return self.send_json(list(STATE.log))
        if url.path == "/_control/clear":
            with STATE.lock:
                STATE.log.clear()
            return self.send_json({"ok": True})
        return self.send_json({"error": "unknown control"}, 404)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_control/"):
            return self.control(url)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        with STATE.lock:
            content = STATE.routes.get(url.path)
            mode = STATE.faults.get(url.path, "ok")
        status = self.answer(content, mode, inm, ims)
        with STATE.lock:
            STATE.log.append(
                {
                    "path": url.path,
                    "if_none_match": inm,
                    "if_modified_since": ims,
                    "status": status,
                }
            )

    def answer(self, content, mode, inm, ims):
        if content is None:
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return 404
        if mode == "500":
            body = b"internal error\n"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return 500
        not_modified = False
        if inm is not None:
            not_modified = content.etag in [t.strip() for t in inm.split(",")]
        elif ims is not None:
            since = email.utils.parsedate_to_datetime(ims)
            not_modified = since is not None and since.timestamp() >= content.modified
        if not_modified and mode == "ok":
            self.send_response(304)
            self.send_header("ETag", content.etag)
            self.send_header("Last-Modified", content.last_modified)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return 304
        body = content.body
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", content.etag)
        self.send_header("Last-Modified", content.last_modified)
        self.end_headers()
        if mode == "die":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return 200
        if mode == "slow":
            try:
                for i in range(0, len(body), 64):
                    self.wfile.write(body[i : i + 64])
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:  # the client gave up
                self.close_connection = True
            return 200
        self.wfile.write(body)
        return 200


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--route", action="append", default=[], help="PATH=FILE or PATH=zip:DIR[:ECO]")
    parser.add_argument("--fault", action="append", default=[], help="PATH=MODE")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    for r in args.route:
        path, spec = r.split("=", 1)
        STATE.set_route(path, spec)
    for f in args.fault:
        path, mode = f.split("=", 1)
        STATE.faults[path] = mode
    loopback.serve(Handler, args.lifetime)


if __name__ == "__main__":
    sys.exit(main())
