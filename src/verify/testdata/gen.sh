#!/usr/bin/env bash
# Regenerates the chain material the unit tests of src/verify read (openssl CLI).
# Run from anywhere: bash src/verify/testdata/gen.sh. Output is committed; tests never run this.
#
#   root.pem           RSA-2048 root, self-signed, sha256WithRSAEncryption
#   inter.pem          RSA-2048 intermediate "CN=Verify Test Intermediate", signed by root
#   inter-other.pem    same subject as inter.pem, another key, signed by root (a wrong intermediate)
#   leaf.pem           RSA-2048 leaf for leaf.key.der (PKCS#1 DER), signed by inter (sha256)
#   leaf-pss.pem       the same leaf key, signed by inter with RSASSA-PSS (SHA-384, salt 48)
#   ec-inter.pem       P-384 intermediate signed by root; ec-leaf.pem P-256 leaf signed by it (ecdsa-with-SHA384)
#   p521-self.pem      P-521 self-signed (ecdsa-with-SHA512)
#   ed25519-self.pem   Ed25519 self-signed
set -euo pipefail
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
days=36500
cat >"$T/ca.ext" <<X
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
X
cat >"$T/leaf.ext" <<X
basicConstraints=critical,CA:FALSE
subjectAltName=DNS:leaf.verify.test,DNS:*.wild.verify.test
X
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/root.key" 2>/dev/null
openssl req -x509 -new -key "$T/root.key" -subj "/CN=Verify Test Root" -days $days -sha256 \
  -addext basicConstraints=critical,CA:TRUE -out root.pem
for name in inter inter-other; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/$name.key" 2>/dev/null
  openssl req -new -key "$T/$name.key" -subj "/CN=Verify Test Intermediate" -out "$T/$name.csr"
  openssl x509 -req -in "$T/$name.csr" -CA root.pem -CAkey "$T/root.key" -set_serial 0x$RANDOM$RANDOM \
    -days $days -sha256 -extfile "$T/ca.ext" -out $name.pem 2>/dev/null
done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/leaf.key" 2>/dev/null
openssl rsa -in "$T/leaf.key" -traditional -outform DER -out leaf.key.der 2>/dev/null
openssl req -new -key "$T/leaf.key" -subj "/CN=leaf.verify.test" -out "$T/leaf.csr"
openssl x509 -req -in "$T/leaf.csr" -CA inter.pem -CAkey "$T/inter.key" -set_serial 0x1001 \
  -days $days -sha256 -extfile "$T/leaf.ext" -out leaf.pem 2>/dev/null
openssl x509 -req -in "$T/leaf.csr" -CA inter.pem -CAkey "$T/inter.key" -set_serial 0x1002 \
  -days $days -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 \
  -extfile "$T/leaf.ext" -out leaf-pss.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/ec-inter.key"
openssl req -new -key "$T/ec-inter.key" -subj "/CN=Verify Test EC Intermediate" -out "$T/ec-inter.csr"
openssl x509 -req -in "$T/ec-inter.csr" -CA root.pem -CAkey "$T/root.key" -set_serial 0x2001 \
  -days $days -sha256 -extfile "$T/ca.ext" -out ec-inter.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec-leaf.key"
openssl req -new -key "$T/ec-leaf.key" -subj "/CN=ec.verify.test" -out "$T/ec-leaf.csr"
openssl x509 -req -in "$T/ec-leaf.csr" -CA ec-inter.pem -CAkey "$T/ec-inter.key" -set_serial 0x2002 \
  -days $days -sha384 -extfile "$T/leaf.ext" -out ec-leaf.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$T/p521.key"
openssl req -x509 -new -key "$T/p521.key" -subj "/CN=p521.verify.test" -days $days -sha512 -out p521-self.pem
openssl genpkey -algorithm ED25519 -out "$T/ed.key"
openssl req -x509 -new -key "$T/ed.key" -subj "/CN=ed25519.verify.test" -days $days -out ed25519-self.pem
echo "src/verify/testdata regenerated" >&2
