#!/usr/bin/env python3
"""Build the starting corpora of the fuzz targets from fixtures/ (into fuzz/corpus/TARGET).

Formats are those of src/fuzzing.rs. Run from anywhere; writes only under fuzz/corpus/.
"""
import hashlib
import pathlib
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
FIX = ROOT / "fixtures"
OUT = FUZZ / "corpus"
MAX = 64 * 1024

# Same order as keymatch::fuzzing::CONFIG_PATHS.
DIALECTS = ["nginx", "apache2|httpd", "haproxy", "postfix", "dovecot", "lighttpd", "kubernetes|k8s|deploy",
            "openvpn", "redis", "postgresql", "mysql", "docker", "caddy", "traefik", "envoy"]


def put(target, data):
    if len(data) > MAX:
        return
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def material():
    for p in sorted(FIX.rglob("*")):
        if p.is_file() and p.suffix in (".pem", ".der", ".key", ".crt", ".cer", ".p8") and p.stat().st_size <= MAX:
            yield p


for p in material():
    put("parse", p.read_bytes())

for d in sorted((FIX / "check").iterdir()):
    if not d.is_dir():
        continue
    certs = sorted(d.glob("cert.*"))
    keys = sorted(d.glob("key.*"))
    if certs and keys:
        c, k = certs[0].read_bytes(), keys[0].read_bytes()
        if len(c) < 65536:
            put("verdict", struct.pack("<H", len(c)) + c + k)

# Server configs: one input per scenario and dialect: its entry point first, the other files after 0xFF.
for scen in sorted((FIX / "servers").iterdir()):
    if not scen.is_dir():
        continue
    files = [p for p in sorted(scen.rglob("*")) if p.is_file() and p.name != "expected"
             and p.suffix not in (".pem", ".key", ".crt", ".der")]
    for i, alts in enumerate(DIALECTS):
        mine = [p for p in files if any(a in p.parts for a in alts.split("|"))]
        if not mine:
            continue
        mine.sort(key=lambda p: (len(p.parts), str(p)))
        blob = bytes([i]) + b"\xff".join(p.read_bytes() for p in mine)
        put("server_config", blob)
        if i == 6:
            for p in mine:
                put("server_config", bytes([i]) + p.read_bytes())
                put("server_config", bytes([14]) + p.read_bytes())

# Dialects without a fixture scenario: small hand-written configs.
HAND = {
    10: b"[mysqld]\nssl_cert = /etc/mysql/server.pem\nssl_key = /etc/mysql/server.key\nssl-ca=/etc/mysql/ca.pem\n!includedir /etc/mysql/conf.d/\n",
    11: b'{\n  "tls": true,\n  "tlscert": "/etc/docker/server.pem",\n  "tlskey": "/etc/docker/server-key.pem"\n}\n',
    14: b"static_resources:\n  listeners:\n  - filter_chains:\n    - transport_socket:\n        typed_config:\n          common_tls_context:\n            tls_certificates:\n            - certificate_chain: {filename: /etc/envoy/cert.pem}\n              private_key: {filename: /etc/envoy/key.pem}\n",
    13: b"tls:\n  certificates:\n    - certFile: /etc/traefik/a.pem\n      keyFile: /etc/traefik/a.key\n",
    7: b"port 1194\ncert server.crt\nkey server.key\n<ca>\n-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n</ca>\n",
    8: b"tls-port 6379\ntls-cert-file /etc/redis/r.crt\ntls-key-file /etc/redis/r.key\n",
    9: b"ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\ninclude_dir 'conf.d'\n",
}
for i, text in HAND.items():
    put("server_config", bytes([i]) + text)

for p in sorted(FIX.rglob("*")):
    if p.is_file() and p.suffix in (".yaml", ".yml", ".json"):
        put("yaml", p.read_bytes())
put("yaml", b"apiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls, namespace: web}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: QUFB\n  tls.key: |\n    QkJC\n---\nkind: Ingress\nspec:\n  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n")
put("yaml", b"a: &x [1, {b: *x}]\n? complex\n: !!binary AAAA\n'q': \"\\u00e9\"\n- seq\n")

TOML = [
    b'root = "image"\nexclude = ["vendor/**", "*.example"]\nallow = ["orphan-key"]\nfail-on = "warning"\nwarn-days = 21\n\n[map]\n"/etc/nginx" = "deploy/nginx"\n',
    b'root = ""\n',
    b'[map]\n"relative" = "x"\n',
    b'exclude = ["[unclosed"]\n',
    b'allow = ["no-such-code"]\nfail-on = "sometimes"\n',
    b"warn-days = -1\nunknown = 1\n",
]
for t in TOML:
    put("keymatch_toml", t)
