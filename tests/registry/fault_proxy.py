#!/usr/bin/env python3
"""A fault-injecting loopback HTTP proxy for registry tests (stdlib only).

Sits in front of one upstream (a registry) as a reverse proxy: clients talk to
it as if it were the registry. Requests of any method are forwarded with all
their headers (Authorization, Range, the client's Host, so Location URLs the
registry builds point back at the proxy) and the responses are streamed back.

  fault_proxy.py --upstream 127.0.0.1:5000 [--upstream-ca CA.pem]
                 [--fault REGEX=MODE] [--lifetime S]

Prints "PORT PID" as its first line on stdout, then serves until killed (or
--lifetime seconds pass, so a test that crashes leaves nothing running).

Faults apply to requests whose URL path matches a regex (re.search), for the
next COUNT matching requests (then the rule is gone); COUNT < 0 = always.
Modes answered without asking the upstream:
  429, 503   that status with Retry-After: N and a registry error body
  reset      close the connection without answering (TCP RST)
Modes applied to the upstream's answer; they only match requests other than
HEAD whose upstream status is 2xx (so an auth challenge does not use them up):
  drop       send the headers (full Content-Length) and half the body, close
  truncate   send the body shortened by 1 KiB (by half when it is at most
             2 KiB) with a matching Content-Length
  corrupt    flip every bit of the byte in the middle of the body
  stall      send the headers, then nothing for N seconds, then close
  slow       send the body 1 KiB every 0.2 s
  ok         forward unchanged (useful to let one request through)

Control endpoints (GET):
  /_control/fault?path=REGEX&mode=M[&count=N][&retry_after=N][&method=GET]
                           add a rule (replaces one with the same path+method);
                           newest rules are tried first
  /_control/clear_faults   remove every rule
  /_control/header?path=REGEX&name=H&value=V
                           add header H: V to every answer for matching paths
  /_control/log            JSON lines, one request each, oldest first (sorted
                           keys, json.dumps' default separators); a request
                           is logged before it is answered
  /_control/clear          forget the log
Each log line: {"method", "path", "query", "range" (Range header or null),
"authorization" (bool), "auth_scheme" (e.g. "Bearer" or null), "status"
(status sent, 0 when none), "fault" (mode applied or "ok"), "bytes" (body
bytes sent), "upstream_status" (or null)}.
"""

import argparse
import http.client
import json
import os
import re
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import loopback  # noqa: E402  (tests/loopback.py)

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
EARLY_MODES = ("429", "503", "reset")
BODY_MODES = ("drop", "truncate", "corrupt", "stall", "slow", "ok")
CHUNK = 64 * 1024


class Rule:
    def __init__(self, pattern, mode, count, retry_after, method):
        self.pattern = pattern
        self.regex = re.compile(pattern)
        self.mode = mode
        self.remaining = count
        self.retry_after = retry_after
        self.method = method


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []  # newest first
        self.headers = []  # (regex, name, value)
        self.log = []
        self.upstream = None
        self.context = None  # ssl.SSLContext for an https upstream


STATE = State()


def add_rule(rule):
    with STATE.lock:
        STATE.rules = [
            r
            for r in STATE.rules
            if not (r.pattern == rule.pattern and r.method == rule.method)
        ]
        STATE.rules.insert(0, rule)


def take_rule(method, path, early, upstream_status=None):
    """Finds the first live rule for the request and uses one of its counts.

    early: whether we are before asking the upstream (429/503/reset rules) or
    after (body rules, which need a 2xx answer to a request other than HEAD)."""
    with STATE.lock:
        for r in STATE.rules:
            if r.remaining == 0 or (r.method and r.method != method):
                continue
            if not r.regex.search(path):
                continue
            if early != (r.mode in EARLY_MODES):
                continue
            if not early and (method == "HEAD" or not 200 <= upstream_status < 300):
                continue
            if r.remaining > 0:
                r.remaining -= 1
            if r.remaining == 0:
                STATE.rules.remove(r)
            return r
    return None


class Handler(loopback.QuietHandler):

    def control(self, url):
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/_control/fault":
            mode = q.get("mode", "")
            if mode not in EARLY_MODES + BODY_MODES:
                return self.send_json({"error": "unknown mode " + mode}, 400)
            try:
                rule = Rule(
                    q.get("path", ""),
                    mode,
                    int(q.get("count", "1")),
                    int(q.get("retry_after", "1")),
                    q.get("method", ""),
                )
            except (re.error, ValueError) as e:
                return self.send_json({"error": str(e)}, 400)
            add_rule(rule)
            return self.send_json({"ok": True})
        if url.path == "/_control/clear_faults":
            with STATE.lock:
                STATE.rules.clear()
            return self.send_json({"ok": True})
        if url.path == "/_control/header":
            try:
                regex = re.compile(q.get("path", ""))
            except re.error as e:
                return self.send_json({"error": str(e)}, 400)
            with STATE.lock:
                STATE.headers.append((regex, q["name"], q.get("value", "")))
            return self.send_json({"ok": True})
        if url.path == "/_control/log":
            with STATE.lock:
                entries = list(STATE.log)
            body = "".join(
                json.dumps(e, sort_keys=True) + "\n"
                for e in entries
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        if url.path == "/_control/clear":
            with STATE.lock:
                STATE.log.clear()
            return self.send_json({"ok": True})
        return self.send_json({"error": "unknown control"}, 404)

    def extra_headers(self, path):
        with STATE.lock:
            return [(n, v) for (r, n, v) in STATE.headers if r.search(path)]

    def read_request_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else None

    def hard_close(self, reset):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if reset:
            self.connection.close()

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        if self.command == "GET" and url.path.startswith("/_control/"):
            return self.control(url)
        auth = self.headers.get("Authorization")
        entry = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "range": self.headers.get("Range"),
            "authorization": auth is not None,
            "auth_scheme": auth.split(" ", 1)[0] if auth else None,
            "status": 0,
            "fault": "ok",
            "bytes": 0,
            "upstream_status": None,
        }
        # Logged before anything is answered, and each field is set before the
        # bytes it describes are written, so a client that has its answer
        # finds it in the log.
        with STATE.lock:
            STATE.log.append(entry)
        self.proxy(url, entry)

    def proxy(self, url, entry):
        body = self.read_request_body()
        rule = take_rule(self.command, url.path, early=True)
        if rule is not None:
            entry["fault"] = rule.mode
            if rule.mode == "reset":
                return self.hard_close(reset=True)
            entry["status"] = int(rule.mode)
            status = int(rule.mode)
            code = "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE"
            payload = json.dumps(
                {"errors": [{"code": code, "message": "injected by fault_proxy", "detail": None}]}
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", str(rule.retry_after))
            for n, v in self.extra_headers(url.path):
                self.send_header(n, v)
            self.send_header("Content-Length", str(len(payload)))
            entry["status"] = status
            if self.command != "HEAD":
                entry["bytes"] = len(payload)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return None

        host, port = STATE.upstream
        if STATE.context is not None:
            conn = http.client.HTTPSConnection(host, port, timeout=60, context=STATE.context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                lname = name.lower()
                if lname in HOP_BY_HOP or lname == "content-length":
                    continue
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            entry["fault"] = "upstream-error"
            entry["status"] = 502
            payload = ("upstream error: %s\n" % e).encode()
            entry["bytes"] = len(payload)
            self.send_response(502)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return None
        try:
            self.relay(url, resp, entry)
        finally:
            conn.close()
        return None

    def relay(self, url, resp, entry):
        entry["upstream_status"] = resp.status
        rule = take_rule(self.command, url.path, early=False, upstream_status=resp.status)
        mode = rule.mode if rule is not None else "ok"
        entry["fault"] = mode
        headers = [
            (n, v)
            for (n, v) in resp.getheaders()
            if n.lower() not in HOP_BY_HOP and n.lower() != "content-length"
        ]
        headers.extend(self.extra_headers(url.path))
        length = resp.getheader("Content-Length")
        no_body = self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        entry["status"] = resp.status

        def start(content_length):
            self.send_response(resp.status, resp.reason)
            for n, v in headers:
                self.send_header(n, v)
            if content_length is not None:
                self.send_header("Content-Length", str(content_length))
            self.end_headers()

        if no_body:
            start(length)
            return
        if mode == "ok" and length is not None:
            start(int(length))
            left = int(length)
            while left > 0:
                data = resp.read(min(CHUNK, left))
                if not data:  # the upstream died; so do we
                    return self.hard_close(reset=False)
                entry["bytes"] += len(data)
                self.wfile.write(data)
                left -= len(data)
            return
        data = resp.read()
        if mode == "ok":
            entry["bytes"] = len(data)
            start(len(data))
            self.wfile.write(data)
        elif mode == "drop":
            half = data[: len(data) // 2]
            entry["bytes"] = len(half)
            start(len(data))
            self.wfile.write(half)
            self.hard_close(reset=False)
        elif mode == "truncate":
            cut = 1024 if len(data) > 2048 else len(data) // 2
            short = data[: len(data) - cut]
            entry["bytes"] = len(short)
            start(len(short))
            self.wfile.write(short)
        elif mode == "corrupt":
            bad = bytearray(data)
            if bad:
                bad[len(bad) // 2] ^= 0xFF
            entry["bytes"] = len(bad)
            start(len(bad))
            self.wfile.write(bytes(bad))
        elif mode == "stall":
            start(len(data))
            self.wfile.flush()
            time.sleep(rule.retry_after)
            self.hard_close(reset=False)
        elif mode == "slow":
            start(len(data))
            try:
                for i in range(0, len(data), 1024):
                    entry["bytes"] += len(data[i : i + 1024])
                    self.wfile.write(data[i : i + 1024])
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:  # the client gave up
                self.close_connection = True
        return None

    do_GET = handle_any
    do_HEAD = handle_any
    do_POST = handle_any
    do_PUT = handle_any
    do_PATCH = handle_any
    do_DELETE = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True, help="HOST:PORT")
    parser.add_argument("--upstream-ca", help="PEM CA: talk https to the upstream")
    parser.add_argument("--fault", action="append", default=[], help="REGEX=MODE (always)")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    STATE.upstream = (host, int(port))
    if args.upstream_ca:
        STATE.context = ssl.create_default_context(cafile=args.upstream_ca)
    for f in args.fault:
        pattern, mode = f.rsplit("=", 1)
        add_rule(Rule(pattern, mode, -1, 1, ""))
    loopback.serve(Handler, args.lifetime)


if __name__ == "__main__":
    sys.exit(main())
