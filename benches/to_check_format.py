#!/usr/bin/env python3
"""Convert `keymatch scan --format json` to the three columns check.py reads.

usage: to_check_format.py CORPUS_DIR < keymatch.json > report.tsv

Each pair becomes "MATCH|MISMATCH<TAB>cert<TAB>key" (any other verdict is
printed upper-cased, so check.py counts it as a wrong verdict). The summary
line carries errors (files with a `malformed` finding that hold PEM armour,
as the baselines count them). Orphan counts are left out on purpose, as the
definitions differ: the baselines count every certificate file in no pair
(CA certificates included) and every key file in no pair; keymatch reports
`orphan-cert` only for leaf certificates and `orphan-key` only for keys that
no certificate anywhere in the scan carries (the corpus's JWT keys come from
the shared key pool, so a certificate elsewhere carries each of them). The
counts of keymatch's own findings are printed to standard error.
"""
import json
import os
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    corpus = sys.argv[1]
    doc = json.load(sys.stdin)
    out = sys.stdout
    for p in doc["pairs"]:
        if not p.get("cert") or not p.get("key"):
            continue
        out.write("%s\t%s\t%s\n" % (p["verdict"].upper(), p["cert"]["path"], p["key"]["path"]))
    orphan_keys = sum(1 for f in doc["findings"] if f["code"] == "orphan-key")
    malformed = set()
    for f in doc["findings"]:
        if f["code"] != "malformed":
            continue
        for loc in f["locations"][:1]:
            path = loc["path"]
            try:
                with open(path if os.path.isabs(path) else os.path.join(os.getcwd(), path), "rb") as fh:
                    if b"-----BEGIN" in fh.read(1 << 20):
                        malformed.add(path)
            except OSError:
                pass
    orphan_certs = sum(1 for f in doc["findings"] if f["code"] == "orphan-cert")
    sys.stderr.write("keymatch: orphan-key findings %d, orphan-cert findings %d\n" % (orphan_keys, orphan_certs))
    out.write("# summary pairs=%d errors=%d\n" % (len(doc["pairs"]), len(malformed)))


if __name__ == "__main__":
    main()
