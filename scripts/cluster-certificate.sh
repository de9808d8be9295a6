#!/usr/bin/env bash
# Creates the cluster's certificate: a PFX that every silo and frontend of one Ates cluster mounts (README "Security").
# It encrypts the key ring at rest (Ates:KeyRing:Certificate) and is the identity the cluster's own ports trust.
#   scripts/cluster-certificate.sh <out.pfx> [password]     (password: random when not given, printed on stderr)
set -euo pipefail
out=${1:?usage: $0 <out.pfx> [password]}
password=${2:-$(openssl rand -base64 24)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -subj "/CN=ates-cluster" \
  -addext "extendedKeyUsage=serverAuth,clientAuth" -addext "keyUsage=digitalSignature,keyEncipherment" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
umask 077
openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -out "$out" -passout "pass:$password"
[ -n "${2:-}" ] || echo "password: $password" >&2
