#!/usr/bin/env python3
"""A webhook / Shared Signals receiver for tokenwatch's tests, on 127.0.0.1.

Every request is appended to --log as one JSON line: path, headers, body, whether the
X-Tokenwatch-Signature-256 HMAC or the SET's HS256 signature verifies (computed here with
Python's own hmac, independently of tokenwatch), the decoded SET claims, and whether the
Idempotency-Key was already processed (a real receiver would de-duplicate on it).
"""
import argparse, base64, hashlib, hmac, json, os, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A parent may start us with SIGTERM blocked; unblock it so the tests can stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--port-file")
parser.add_argument("--log", required=True)
parser.add_argument("--fail", type=int, default=0, help="answer 503 to this many requests first")
parser.add_argument("--status", type=int, default=200)
parser.add_argument("--delay", type=float, default=0, help="seconds to wait before answering")
parser.add_argument("--secret-env", help="environment variable holding the shared secret")
args = parser.parse_args()
secret = os.environ.get(args.secret_env, "").encode() if args.secret_env else b""
lock = threading.Lock()
state = {"seen": 0, "processed": set()}


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if args.delay:
            time.sleep(args.delay)
        key = self.headers.get("Idempotency-Key")
        record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": body.decode("utf-8", "replace"), "idempotency_key": key}
        signature = self.headers.get("X-Tokenwatch-Signature-256")
        if signature is not None:
            expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            record["signature_valid"] = hmac.compare_digest(signature, expected)
        if self.headers.get("Content-Type", "").startswith("application/secevent+jwt"):
            header_b64, payload_b64, sig_b64 = body.decode().split(".")
            record["jws_header"] = json.loads(b64url_decode(header_b64))
            record["claims"] = json.loads(b64url_decode(payload_b64))
            mac = hmac.new(secret, (header_b64 + "." + payload_b64).encode(), hashlib.sha256).digest()
            record["jws_valid"] = bool(sig_b64) and hmac.compare_digest(b64url_decode(sig_b64), mac)
        with lock:
            state["seen"] += 1
            failing = state["seen"] <= args.fail
            status = 503 if failing else args.status
            if not failing and 200 <= status < 300:
                record["duplicate"] = key in state["processed"]
                state["processed"].add(key)
            record["status"] = status
            with open(args.log, "a") as log:
                log.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
if args.port_file:
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
