#!/bin/sh
# demo_identities.sh: the commands of docs/identity.md "Enrolling from the command
# line", run as written: TLS, the IdP, challtestsrv, an organization CA and a provider
# CA, two SSO users, a device, a guest, and `ztmeet identity verify` on each.
# Everything it started is stopped at exit, unless KEEP=1 (then their PIDs are in
# $D/pids; the CAs must keep running for clients to fetch their CRLs).
#   ZTMEET=build/release/apps/ztmeet/ztmeet D=/tmp/ids test_tools/peers/demo_identities.sh
set -eu
ZTMEET=${ZTMEET:-ztmeet}
case $ZTMEET in */*) ZTMEET=$(cd "$(dirname "$ZTMEET")" && pwd)/$(basename "$ZTMEET") ;; esac

D=${D:-/tmp/ztm-demo-ids}
P=${P:-4000}          # IdP
A=${A:-14000}         # org CA ACME
B=${B:-14001}         # provider CA ACME
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
rm -rf "$D"; mkdir -p "$D/tls"; cd "$D"
pids=""
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "$pids" > "$D/pids"; return; fi
  for p in $pids; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# 1. TLS for the CAs' HTTPS listeners: a throwaway CA and a leaf for 127.0.0.1.
( cd tls && umask 077 &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=demo-tls-ca -keyout ca.key -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout key.pem -out leaf.csr 2>/dev/null &&
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > leaf.ext &&
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile leaf.ext -out leaf.pem 2>/dev/null &&
  cat leaf.pem ca.pem > chain.pem )

# 2. The organization's IdP and a DNS server for device names.
node "$SRC/test_tools/peers/oidc_provider.mjs" --port $P --issuer http://127.0.0.1:$P \
  --client-id org-ca --client-secret org-ca-secret \
  --redirect-uri https://127.0.0.1:$A/sso/callback \
  --user alice@example.test --user bob@example.test > idp.log 2>&1 &
pids="$pids $!"
pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 127.0.0.1:8053 \
  -http01 "" -https01 "" -tlsalpn01 "" -management 127.0.0.1:8055 > dns.log 2>&1 &
pids="$pids $!"

# 3. The organization CA (sso-01 for people, http-01/dns-01 for devices).
umask 077; printf 'org-ca-secret\n' > oidc-client-secret; umask 022
$ZTMEET ca serve --data-dir org-ca --name "Example Corp CA" --organization "Example Corp" \
  --permit-domain example.test --listen 127.0.0.1:$A --crl-listen 127.0.0.1:14080 \
  --tls-cert tls/chain.pem --tls-key tls/key.pem \
  --email-domain example.test --dns-domain example.test \
  --http01-port 5002 --dns-resolver 127.0.0.1:8053 \
  --oidc-issuer http://127.0.0.1:$P --oidc-client-id org-ca \
  --oidc-client-secret-file oidc-client-secret > org-ca.log 2>&1 &
pids="$pids $!"

# 4. The provider CA (provider-01 with a key shared with the meeting service).
umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > provider-key; umask 022
$ZTMEET ca serve --data-dir provider-ca --name "Meeting provider CA" \
  --listen 127.0.0.1:$B --crl-listen 127.0.0.1:14081 \
  --tls-cert tls/chain.pem --tls-key tls/key.pem \
  --provider --provider-key-file provider-key \
  --provider-issuer https://meet.example.test > provider-ca.log 2>&1 &
pids="$pids $!"

for url in http://127.0.0.1:$P/.well-known/openid-configuration \
           https://127.0.0.1:$A/acme/directory https://127.0.0.1:$B/acme/directory; do
  i=0; until curl -sf --cacert tls/ca.pem "$url" >/dev/null; do
    i=$((i+1)); [ $i -lt 100 ] || { echo "no answer from $url"; exit 1; }; sleep 0.1; done
done

ORG=https://127.0.0.1:$A/acme/directory
PROV=https://127.0.0.1:$B/acme/directory
# 5. Two SSO users (test browser), one device (http-01), one guest (provider-01).
for u in alice bob; do
  $ZTMEET enroll --server $ORG --ca-bundle tls/ca.pem \
    --email $u@example.test --sso --sso-test-browser --out ids/$u
done
$ZTMEET enroll --server $ORG --ca-bundle tls/ca.pem \
  --domain room-1.example.test --challenge http-01 --http-address 127.0.0.1 --http-port 5002 \
  --out ids/room-1
$ZTMEET enroll --server $PROV --ca-bundle tls/ca.pem \
  --email guest@mail.test --challenge provider-01 \
  --provider-token-command "$ZTMEET ca provider-token --provider-key-file provider-key --provider-issuer https://meet.example.test" \
  --out ids/guest

# 6. What a client sees.
for id in alice bob room-1 guest; do
  $ZTMEET identity verify --chain ids/$id/chain.pem --key-file ids/$id/signature-key.pem \
    --anchor "org:Example Corp:example.test:org-ca/ca.pem" \
    --anchor provider:provider-ca/ca.pem
done
ls -l ids/alice
echo "identities in $D/ids; anchors: org:Example Corp:example.test:$D/org-ca/ca.pem provider:$D/provider-ca/ca.pem"
