#!/usr/bin/env python3
"""Control-socket clients that misbehave, for the integration tests.

  hostile_clients.py SOCKET early N        N clients send a request and reset at once
  hostile_clients.py SOCKET flood SECONDS  reconnect as fast as possible, 200 at a time
  hostile_clients.py SOCKET trickle N SECONDS
                                           N clients send one byte of a request head
                                           every second until SECONDS pass
  hostile_clients.py SOCKET probe SECONDS OUT
                                           GET /v1/health every 0.2 s; each answer's
                                           latency in ms (or "fail") appended to OUT

Every mode stops by itself; refused or reset connections are expected and ignored.
"""
import socket
import struct
import sys
import time

REQUEST = b"GET /v1/status HTTP/1.1\r\nHost: localhost\r\n\r\n"


def connect(path, timeout=2.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def early(path, n):
    for _ in range(n):
        try:
            s = connect(path)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.send(REQUEST)
            s.close()
        except OSError:
            pass


def flood(path, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        socks = []
        for _ in range(200):
            try:
                s = connect(path, 0.5)
                s.send(REQUEST)
                socks.append(s)
            except OSError:
                pass
        for s in socks:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                pass


def trickle(path, n, seconds):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(path))
        except OSError:
            pass
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end and socks:
        for s in list(socks):
            try:
                s.send(REQUEST[i % len(REQUEST) : i % len(REQUEST) + 1])
            except OSError:
                socks.remove(s)
        i += 1
        time.sleep(1)
    for s in socks:
        s.close()


def probe(path, seconds, out):
    end = time.monotonic() + seconds
    with open(out, "a") as f:
        while time.monotonic() < end:
            t0 = time.monotonic()
            try:
                s = connect(path, 1.0)
                s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                s.close()
                ok = data.startswith(b"HTTP/1.1 200")
                ms = (time.monotonic() - t0) * 1000
                f.write(("%.1f\n" % ms) if ok else "fail %s\n" % data[:40])
            except OSError as e:
                f.write("fail %s\n" % e)
            f.flush()
            time.sleep(0.2)


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "early":
        early(path, int(sys.argv[3]))
    elif mode == "flood":
        flood(path, float(sys.argv[3]))
    elif mode == "trickle":
        trickle(path, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "probe":
        probe(path, float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
