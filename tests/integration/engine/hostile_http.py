#!/usr/bin/env python3
"""Hostile clients of the control socket (test_hostile_socket.sh), bounded in time and
count, on the UNIX-domain socket given.

usage: hostile_http.py SOCKET battery
         malformed, oversized and unknown requests, ids with ../, NUL and 5,000
         bytes, pipelined requests, clients that close mid-request or mid-answer:
         each answered as docs/control-api.md says; exits 1 at the first that is not
       hostile_http.py SOCKET hold N SECONDS
         opens N connections at once that never send anything and holds them for
         SECONDS (the daemon closes them as it likes); prints how many the kernel
         queued and how many it refused (EAGAIN: its listen backlog was full)
       hostile_http.py SOCKET pipeline N SECONDS PATH...
         N connections each send 100 requests for the PATHs in turn in one write and
         read the answers, again and again (reconnecting when closed), until nothing
         listens at SOCKET any more or SECONDS pass; prints "answering" at the first
         answer and how many answers came at the end"""
import os
import socket
import sys
import threading
import time

H = b"Host: localhost\r\nConnection: close\r\n"


def dial(path, timeout):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    return s


def ask(path, raw, timeout=10):
    """Sends raw, reads until the server closes; the answer's bytes."""
    s = dial(path, timeout)
    out = b""
    try:
        s.sendall(raw)
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before all was sent
    finally:
        s.close()
    return out


def battery(path):
    cases = [
        ("pipelined health x100", (b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n") * 99 + b"GET /v1/health HTTP/1.1\r\n" + H + b"\r\n", 200, 100),
        ("request line of 100 KB", b"GET /v1/" + b"a" * 100000 + b" HTTP/1.1\r\n" + H + b"\r\n", 431, 1),
        ("header of 1 MB", b"GET /v1/health HTTP/1.1\r\n" + H + b"X: " + b"a" * 1000000 + b"\r\n\r\n", 431, 1),
        ("Content-Length 1 GB", b"POST /v1/reconcile HTTP/1.1\r\n" + H + b"Content-Length: 1000000000\r\n\r\n" + b"x" * 100000, 413, 1),
        ("Content-Length negative", b"POST /v1/reconcile HTTP/1.1\r\n" + H + b"Content-Length: -5\r\n\r\n", 400, 1),
        ("Content-Length overflows", b"POST /v1/reconcile HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n", 413, 1),
        ("two Content-Lengths", b"POST /v1/reconcile HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, 1),
        ("chunk of 2^72 bytes", b"POST /v1/reconcile HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nx\r\n", 413, 1),
        ("no HTTP version", b"GET /v1/health\r\n\r\n", 400, 1),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, 1),
        ("absolute URI", b"GET http://x/v1/health HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("unknown method", b"BREW /v1/health HTTP/1.1\r\n" + H + b"\r\n", 405, 1),
        ("unknown route", b"GET /v2/secrets HTTP/1.1\r\n" + H + b"\r\n", 404, 1),
        ("id with ../ escaped", b"GET /v1/tenants/..%2F..%2Fetc HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("id with ../", b"GET /v1/tenants/../../v1/health HTTP/1.1\r\n" + H + b"\r\n", 404, 1),
        ("id with NUL", b"GET /v1/tenants/t001%00x HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("id of 5,000 bytes", b"GET /v1/tenants/" + b"a" * 5000 + b" HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("id not UTF-8", b"POST /v1/tenants/%ff%fe/reconcile HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("resolve with NUL", b"GET /v1/resolve?tenant=t001%00&profile=p1 HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("history limit -1", b"GET /v1/history?limit=-1 HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
        ("empty state filter", b"GET /v1/tenants?state=,,, HTTP/1.1\r\n" + H + b"\r\n", 400, 1),
    ]
    for name, raw, want, n in cases:
        t0 = time.monotonic()
        out = ask(path, raw)
        got = out.count(b"HTTP/1.1 %d " % want)
        first = out.split(b"\r\n")[0][:40].decode(errors="replace")
        print(f"{name:28s} {time.monotonic() - t0:5.2f} s  {first}")
        if got != n:
            print(f"FAIL: {name}: {got} answers {want}, want {n}: {out[:200]!r}")
            return 1
    # clients that close mid-request, and after a pipelined burst before reading
    for _ in range(200):
        s = dial(path, 5)
        s.sendall(b"GET /v1/tenants HTTP/1.1\r\nHost: x\r\n")
        s.close()
    for _ in range(100):
        s = dial(path, 5)
        s.sendall(b"GET /v1/tenants HTTP/1.1\r\nHost: x\r\n\r\n" * 5)
        s.recv(100)
        s.close()
    if b"HTTP/1.1 200 " not in ask(path, b"GET /v1/health HTTP/1.1\r\n" + H + b"\r\n"):
        print("FAIL: no health answer after clients that closed early")
        return 1
    return 0


def hold(path, n, seconds):
    held, refused = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.setblocking(False)
        try:
            s.connect(path)
            held.append(s)
        except BlockingIOError:
            refused += 1
            s.close()
    print(f"queued {len(held)} refused {refused}", flush=True)
    time.sleep(seconds)
    for s in held:
        s.close()
    return 0


def pipeline(path, n, seconds, paths):
    raw = b"".join(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % p.encode() for p in paths)
    raw *= max(1, 100 // len(paths))
    want = raw.count(b"GET ")
    end = time.time() + seconds
    answers = [0]
    said = threading.Lock()

    def answered(k):
        with said:
            if k and not answers[0]:
                print("answering", flush=True)  # the first answer: the caller may go on
            answers[0] += k

    def client():
        while time.time() < end and os.path.exists(path):
            try:
                s = dial(path, 10)
            except OSError:
                time.sleep(0.01)
                continue
            try:
                while time.time() < end:
                    s.sendall(raw)
                    got = 0
                    while got < want:
                        d = s.recv(1 << 20)
                        if not d:
                            raise ConnectionResetError
                        got += d.count(b"HTTP/1.1 ")
                        answered(d.count(b"HTTP/1.1 "))
            except OSError:
                pass
            finally:
                s.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"answers {answers[0]}", flush=True)
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "battery":
        return battery(sys.argv[1])
    if len(sys.argv) == 5 and sys.argv[2] == "hold":
        return hold(sys.argv[1], int(sys.argv[3]), float(sys.argv[4]))
    if len(sys.argv) >= 6 and sys.argv[2] == "pipeline":
        return pipeline(sys.argv[1], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
