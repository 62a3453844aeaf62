#!/usr/bin/env python3
"""Generate the pathological inputs of benches/README.md ("Scale").

usage: gen_pathological.py CASE OUT_DIR [N]

CASE (N, its default):
  copies     N copies of one certificate and N of its key, in two directories
             under names that pair by no layout (2000): the fingerprint index
             must group them, not pair each with each.
  issuer     N leaf certificates issued by one CA, all for one name and one
             key, each file leaf + CA (50000), and the key once.
  vhosts     one nginx.conf with N `server` blocks (10000) over 100
             certificate/key pairs, named by absolute paths as on the server
             (`/ssl/siteP.crt`: keymatch maps them under the scanned root).
  bundle     one PEM bundle with N certificates (1000), each signed by the
             next (a chain N long), under the 1 MiB file limit, and its key.

Deterministic apart from ECDSA signatures (cryptography signs with random k):
the same CASE and N give the same names, keys, serials and layout. Uses the
Python `cryptography` package, as the shared corpus generator does.
"""
import datetime as dt
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
NOT_AFTER = dt.datetime(2125, 1, 1, tzinfo=dt.timezone.utc)


def key(i):
    """A P-256 key derived from i (deterministic)."""
    return ec.derive_private_key(1000003 + i * 7919, ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, issuer, pub, signer, serial, ca=False, sans=()):
    b = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(pub)
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    return b.sign(signer, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def key_pem(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def copies(out, n):
    ca = key(0)
    leaf = key(1)
    c = pem(cert("www.example.com", "Copies CA", leaf.public_key(), ca, 2, sans=["www.example.com"]))
    k = key_pem(leaf)
    for i in range(n):
        write(f"{out}/certs/site-{i:05d}.crt", c)
        write(f"{out}/keys/secret-{i:05d}.key", k)


def issuer(out, n):
    ca_key = key(0)
    ca = cert("One Issuer CA", "One Issuer CA", ca_key.public_key(), ca_key, 1, ca=True)
    ca_pem = pem(ca)
    leaf = key(1)
    write(f"{out}/ca.pem", ca_pem)
    write(f"{out}/shared.key", key_pem(leaf))
    for i in range(n):
        c = cert("www.example.com", "One Issuer CA", leaf.public_key(), ca_key, 1000 + i, sans=["www.example.com"])
        write(f"{out}/leaves/{i // 1000:03d}/leaf-{i:05d}.pem", pem(c) + ca_pem)


def vhosts(out, n):
    ca_key = key(0)
    ca = cert("Vhosts CA", "Vhosts CA", ca_key.public_key(), ca_key, 1, ca=True)
    pairs = 100
    for p in range(pairs):
        k = key(1 + p)
        c = cert(f"site{p}.example.com", "Vhosts CA", k.public_key(), ca_key, 10 + p, sans=[f"*.site{p}.example.com"])
        write(f"{out}/ssl/site{p}.crt", pem(c) + pem(ca))
        write(f"{out}/ssl/site{p}.key", key_pem(k))
    conf = ["events {}", "http {"]
    for i in range(n):
        p = i % pairs
        conf += [
            "    server {",
            "        listen 443 ssl;",
            f"        server_name v{i}.site{p}.example.com;",
            f"        ssl_certificate /ssl/site{p}.crt;",
            f"        ssl_certificate_key /ssl/site{p}.key;",
            "    }",
        ]
    conf.append("}")
    write(f"{out}/etc/nginx/nginx.conf", ("\n".join(conf) + "\n").encode())


def bundle(out, n):
    # Certificate i is signed by certificate i+1; the last is self-signed. SANs pad each
    # PEM block to about 1 KB, so 1000 of them stay under 1 MiB.
    keys = [key(i) for i in range(n)]
    pad = [f"n{j:02d}.bundle.example.com" for j in range(16)]
    blocks = []
    for i in range(n):
        signer = keys[min(i + 1, n - 1)]
        issuer_cn = f"Bundle {min(i + 1, n - 1)}"
        blocks.append(pem(cert(f"Bundle {i}", issuer_cn, keys[i].public_key(), signer, 100 + i, ca=i > 0, sans=pad)))
    data = b"".join(blocks)
    if len(data) > 1 << 20:
        sys.exit(f"bundle is {len(data)} bytes, over the 1 MiB file limit")
    write(f"{out}/bundle/fullchain.pem", data)
    write(f"{out}/bundle/privkey.pem", key_pem(keys[0]))


CASES = {"copies": (copies, 2000), "issuer": (issuer, 50000), "vhosts": (vhosts, 10000), "bundle": (bundle, 1000)}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    fn, default = CASES[sys.argv[1]]
    n = int(sys.argv[3]) if len(sys.argv) == 4 else default
    fn(sys.argv[2], n)


if __name__ == "__main__":
    main()
