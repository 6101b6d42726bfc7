#!/usr/bin/env python3
"""A loopback Docker registry token issuer for tests (stdlib only).

Implements the token endpoint of distribution's docs/spec/auth/token.md (GET)
and, minimally, oauth.md (POST), signing JWTs (jwt.md) with RS256 through
`openssl dgst -sha256 -sign KEY`. The JWT header carries "x5c" = [the
base64 DER of --cert]; a registry configured with `auth.token.rootcertbundle`
= --cert accepts it (distribution 2.8 verifies the x5c chain against that
bundle).

  token_issuer.py --key KEY.pem --cert CERT.pem [--issuer NAME]
                  [--user U --password P] [--anonymous deny|none|pull]
                  [--deny-repo REGEX] [--expires-in N]
                  [--tls-cert C --tls-key K] [--lifetime S]

Prints "PORT PID" as its first line on stdout ("PORT PID CONTROL_PORT" with
--tls-cert: CONTROL_PORT serves the same endpoints over plain HTTP, for the
tests' /_control calls), then serves until killed (or --lifetime seconds
pass, so a test that crashes leaves nothing running).

GET /token?service=S&scope=SCOPE[&scope=...][&account=A][&offline_token=true]
  Basic credentials: without --user every request is granted what it asks
  for (credentials, if sent, are only logged). With --user, matching
  credentials are granted; wrong ones get 401; none get what --anonymous
  says: deny (401, the default), none (a token granting nothing) or pull (a
  token granting at most pull).
  Granted actions = requested actions that are one of pull, push, delete, *;
  nothing for repositories whose name matches --deny-repo. The answer is
  {"token", "access_token" (the same JWT), "expires_in", "issued_at"} plus
  "refresh_token" when offline_token=true.
POST /token (application/x-www-form-urlencoded), grant_type=password
  (username, password) or refresh_token (refresh_token); scope is a
  space-separated list; access_type=offline returns a refresh_token.
  Answers {"access_token", "scope", "expires_in", "issued_at"[, "refresh_token"]}.
  A bad password gets 401, an unknown refresh token 400 invalid_grant.

Claims: iss, sub (user or ""), aud (the requested service), exp, nbf, iat,
jti, access [{type, name, actions}]. Note that the registry adds 60 s of
leeway to exp, so a token stays usable 60 s past expires_in.

Control endpoints (GET):
  /_control/log                      JSON lines, one request each, oldest first
                                     (sorted keys, json.dumps' default separators)
  /_control/clear                    forget the log
  /_control/config?expires_in=N&deny_repo=R&anonymous=M   change settings
Each log line: {"method", "path", "query" (name -> [values]), "form" (POST
fields without password/refresh_token values), "authorization" (scheme or
null), "basic" (bool), "user" (Basic user or form username, or null),
"status", "granted" (the access claim, or null)}.
"""

import argparse
import base64
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import loopback  # noqa: E402  (tests/loopback.py)

ALLOWED_ACTIONS = ("pull", "push", "delete", "*")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_of_pem(path):
    with open(path, "r") as f:
        text = f.read()
    m = re.search(
        r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S
    )
    if not m:
        raise SystemExit("no certificate in " + path)
    return base64.b64decode("".join(m.group(1).split()))


def parse_scope(scope):
    """'repository:host:5000/a/b:pull,push' -> (type, class, name, [actions]).

    The name may contain ':' (a host with a port), so the actions are what
    follows the last ':' and the type what precedes the first."""
    first = scope.find(":")
    last = scope.rfind(":")
    if first < 0 or last <= first:
        return None
    rtype = scope[:first]
    name = scope[first + 1 : last]
    actions = [a for a in scope[last + 1 :].split(",") if a]
    rclass = ""
    m = re.fullmatch(r"([a-z0-9]+)\(([a-z0-9]+)\)", rtype)
    if m:
        rtype, rclass = m.group(1), m.group(2)
    return rtype, rclass, name, actions


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.expires_in = args.expires_in
        self.deny_repo = args.deny_repo
        self.anonymous = args.anonymous
        self.log = []
        self.refresh = {}  # refresh token -> user
        self.x5c = base64.b64encode(der_of_pem(args.cert)).decode()


STATE = None


def sign(signing_input):
    proc = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", STATE.args.key],
        input=signing_input,
        capture_output=True,
    )
    if proc.returncode != 0:
        raise RuntimeError("openssl: " + proc.stderr.decode(errors="replace"))
    return proc.stdout


def make_jwt(user, service, access, expires_in, now):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [STATE.x5c]}
    claims = {
        "iss": STATE.args.issuer,
        "sub": user or "",
        "aud": service,
        "exp": now + expires_in,
        "nbf": now - 1,
        "iat": now,
        "jti": secrets.token_hex(16),
        "access": access,
    }
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    return signing_input + "." + b64url(sign(signing_input.encode()))


def grant(scopes, only_pull, nothing):
    with STATE.lock:
        deny = STATE.deny_repo
    access = []
    for s in scopes:
        parsed = parse_scope(s)
        if parsed is None:
            continue
        rtype, rclass, name, actions = parsed
        granted = []
        if not nothing and not (deny and re.search(deny, name)):
            for a in actions:
                if a in ALLOWED_ACTIONS and a not in granted:
                    if only_pull and a != "pull":
                        continue
                    granted.append(a)
        entry = {"type": rtype, "name": name, "actions": granted}
        if rclass:
            entry["class"] = rclass
        access.append(entry)
    return access


class Handler(loopback.QuietHandler):

    def send_lines(self, entries):
        body = "".join(
            json.dumps(e, sort_keys=True) + "\n" for e in entries
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def basic(self):
        """(scheme or None, user or None, password or None)."""
        value = self.headers.get("Authorization")
        if not value:
            return None, None, None
        scheme, _, rest = value.partition(" ")
        if scheme.lower() != "basic":
            return scheme, None, None
        try:
            user, _, password = base64.b64decode(rest.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return scheme, "", None
        return scheme, user, password

    def record(self, entry):
        with STATE.lock:
            STATE.log.append(entry)

    def control(self, url):
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/_control/log":
            with STATE.lock:
                entries = list(STATE.log)
            return self.send_lines(entries)
        if url.path == "/_control/clear":
            with STATE.lock:
                STATE.log.clear()
            return self.send_json({"ok": True})
        if url.path == "/_control/config":
            with STATE.lock:
                if "expires_in" in q:
                    STATE.expires_in = int(q["expires_in"])
                if "deny_repo" in q:
                    STATE.deny_repo = q["deny_repo"]
                if "anonymous" in q:
                    STATE.anonymous = q["anonymous"]
            return self.send_json({"ok": True})
        return self.send_json({"error": "unknown control"}, 404)

    def check_user(self, user, password):
        """'ok', 'anonymous' or 'bad'."""
        args = STATE.args
        if args.user is None:
            return "ok"
        if user is None:
            return "anonymous"
        if user == args.user and password == args.password:
            return "ok"
        return "bad"

    def issue(self, verdict, user, service, scopes):
        """(status, access or None)."""
        with STATE.lock:
            anonymous = STATE.anonymous
        if verdict == "bad" or (verdict == "anonymous" and anonymous == "deny"):
            return 401, None
        if verdict == "anonymous":
            return 200, grant(scopes, anonymous == "pull", anonymous == "none")
        return 200, grant(scopes, False, False)

    def unauthorized(self):
        body = json.dumps({"details": "incorrect username or password"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("WWW-Authenticate", 'Basic realm="customs-test-token-issuer"')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_control/"):
            return self.control(url)
        query = urllib.parse.parse_qs(url.query)
        scheme, user, password = self.basic()
        entry = {
            "method": "GET",
            "path": url.path,
            "query": query,
            "form": None,
            "authorization": scheme,
            "basic": scheme is not None and scheme.lower() == "basic",
            "user": user,
            "status": 0,
            "granted": None,
        }
        if url.path != "/token":
            entry["status"] = 404
            self.record(entry)
            return self.send_json({"error": "not found"}, 404)
        service = query.get("service", [""])[0]
        scopes = []
        for s in query.get("scope", []):
            scopes.extend(s.split(" "))
        status, access = self.issue(self.check_user(user, password), user, service, scopes)
        entry["status"] = status
        entry["granted"] = access
        self.record(entry)
        if status != 200:
            return self.unauthorized()
        with STATE.lock:
            expires_in = STATE.expires_in
        now = int(time.time())
        token = make_jwt(user, service, access, expires_in, now)
        answer = {
            "token": token,
            "access_token": token,
            "expires_in": expires_in,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        }
        if query.get("offline_token", [""])[0] == "true" and user is not None:
            refresh = secrets.token_hex(16)
            with STATE.lock:
                STATE.refresh[refresh] = user
            answer["refresh_token"] = refresh
        self.send_json(answer)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode(errors="replace") if length > 0 else ""
        form = urllib.parse.parse_qs(raw)
        f = {k: v[0] for k, v in form.items()}
        scheme, _, _ = self.basic()
        shown = {
            k: ("<redacted>" if k in ("password", "refresh_token") else v)
            for k, v in f.items()
        }
        entry = {
            "method": "POST",
            "path": url.path,
            "query": urllib.parse.parse_qs(url.query),
            "form": shown,
            "authorization": scheme,
            "basic": scheme is not None and scheme.lower() == "basic",
            "user": f.get("username"),
            "status": 0,
            "granted": None,
        }
        if url.path != "/token":
            entry["status"] = 404
            self.record(entry)
            return self.send_json({"error": "not found"}, 404)
        grant_type = f.get("grant_type", "")
        scopes = [s for s in f.get("scope", "").split(" ") if s]
        service = f.get("service", "")
        refresh = None
        if grant_type == "password":
            user = f.get("username")
            verdict = self.check_user(user, f.get("password"))
            if user is None:
                verdict = "bad"
        elif grant_type == "refresh_token":
            with STATE.lock:
                user = STATE.refresh.get(f.get("refresh_token", ""))
            if user is None:
                entry["status"] = 400
                self.record(entry)
                return self.send_json({"error": "invalid_grant"}, 400)
            entry["user"] = user
            verdict = "ok"
            refresh = f.get("refresh_token")
        else:
            entry["status"] = 400
            self.record(entry)
            return self.send_json({"error": "unsupported_grant_type"}, 400)
        status, access = self.issue(verdict, user, service, scopes)
        entry["status"] = status
        entry["granted"] = access
        self.record(entry)
        if status != 200:
            return self.unauthorized()
        if grant_type == "password" and f.get("access_type") == "offline":
            refresh = secrets.token_hex(16)
            with STATE.lock:
                STATE.refresh[refresh] = user
        with STATE.lock:
            expires_in = STATE.expires_in
        now = int(time.time())
        answer = {
            "access_token": make_jwt(user, service, access, expires_in, now),
            "scope": " ".join(
                "%s:%s:%s" % (a["type"], a["name"], ",".join(a["actions"]))
                for a in access
                if a["actions"]
            ),
            "expires_in": expires_in,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        }
        if refresh is not None:
            answer["refresh_token"] = refresh
        self.send_json(answer)


def main():
    global STATE
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True, help="PEM RSA private key that signs tokens")
    parser.add_argument("--cert", required=True, help="PEM certificate of --key (the x5c)")
    parser.add_argument("--issuer", default="customs-test-issuer")
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--anonymous", choices=["deny", "none", "pull"], default="deny")
    parser.add_argument("--deny-repo", default="")
    parser.add_argument("--expires-in", type=int, default=300)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    STATE = State(args)
    loopback.serve(Handler, args.lifetime, args.tls_cert, args.tls_key)


if __name__ == "__main__":
    sys.exit(main())
