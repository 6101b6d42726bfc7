"""What the loopback test servers share (feed_server.py, registry/*.py).

A quiet HTTP/1.1 handler base with send_json, and serve(): listen on a free
127.0.0.1 port, print "PORT PID [CONTROL_PORT]" as the first stdout line (the
tests read it), and exit after `lifetime` seconds so that a test that crashes
leaves nothing running. With TLS, /_control is served on a second,
plain-HTTP listener (CONTROL_PORT).
"""

import http.server
import json
import os
import ssl
import threading


class QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_json(self, obj, status=200, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def _listener(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    return server


def serve(handler, lifetime, tls_cert=None, tls_key=None):
    server = _listener(handler)
    ports = [server.server_address[1], os.getpid()]
    if tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_cert, tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        control = _listener(handler)
        threading.Thread(target=control.serve_forever, daemon=True).start()
        ports.append(control.server_address[1])
    print(*ports, flush=True)
    timer = threading.Timer(lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    server.serve_forever()
