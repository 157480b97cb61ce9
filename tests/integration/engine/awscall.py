#!/usr/bin/env python3
"""A SigV4-signed AWS call to awsim with the standard library only, signed as the SDKs
sign every service but S3: the canonical path is the path as sent, percent-encoded
again (an ARN in a Bedrock Runtime path). Prints the answer body; exits 1 on an HTTP
error after printing it (so a test can read an AccessDeniedException).

usage: awscall.py PORT SERVICE METHOD PATH [BODY] [TARGET]
Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional);
Region us-east-1."""
import datetime
import hashlib
import hmac
import sys
import urllib.error
import urllib.parse
import urllib.request
import os


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def main():
    port, service, method, path = sys.argv[1:5]
    body = sys.argv[5].encode() if len(sys.argv) > 5 else b""
    target = sys.argv[6] if len(sys.argv) > 6 else None
    akid, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    token = os.environ.get("AWS_SESSION_TOKEN")
    region = "us-east-1"
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = "127.0.0.1:" + port
    headers = {"host": host, "x-amz-date": amz_date,
               "content-type": "application/x-amz-json-1.1" if target else "application/json"}
    if target:
        headers["x-amz-target"] = target
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    canonical_path = urllib.parse.quote(path, safe="/-_.~")
    creq = "\n".join([method, canonical_path, "",
                      "".join(f"{n}:{headers[n].strip()}\n" for n in names), ";".join(names),
                      hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = sign(sign(sign(sign(("AWS4" + secret).encode(), day), region), service), "aws4_request")
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={akid}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={sig}")
    req = urllib.request.Request(f"http://{host}{path}", data=body if method != "GET" else None, method=method)
    for n, v in headers.items():
        if n != "host":
            req.add_header(n, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            sys.stdout.write(r.read().decode())
    except urllib.error.HTTPError as e:
        sys.stdout.write(e.read().decode())
        sys.exit(1)


main()
