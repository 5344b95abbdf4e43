#!/usr/bin/env bash
# `snpboot kds-fetch`: AMD certificates for a report from a local HTTPS
# server laid out like AMD KDS (no Internet here), with the real Milan
# chain and VCEK read from ../shared at test time. Checks the fetch, the
# cache (a second run asks nothing), a TCB change (a new VCEK), chunked
# bodies, and the refusals: untrusted CA, server name mismatch, 404, 429.
. "$(dirname "$0")/lib/e2e.sh"
work=$(realpath "$E2E_LOGS/$t_name")
snpboot=$(realpath "$BUILD/host/snpboot")
real=$(realpath ../shared/testvectors/real/milan)
rm -rf "$work/pki" "$work/kds" "$work/empty" "$work"/cache-* "$work"/*.log
mkdir -p "$work/pki" "$work/empty"

# ---- a test PKI: CA + server certificate for localhost / 127.0.0.1, and a stranger CA
. "$(dirname "$0")/lib/kds.sh"
pki=$work/pki
kds_pki "$pki"
check "test PKI made with openssl" test -s "$pki/server.pem"

# ---- a directory laid out like KDS: the path part resolves, the query is logged
hwid=$(od -An -tx1 -j $((0x1a0)) -N64 "$real/report.bin" | tr -d ' \n')
mkdir -p "$work/kds/vcek/v1/Milan"
cp "$real/cert_chain.pem" "$work/kds/vcek/v1/Milan/cert_chain"
cp "$real/vcek.der" "$work/kds/vcek/v1/Milan/$hwid"

fetch() { # fetch NAME ARGS...: exit code in $rc, output in $work/NAME.out
	local name=$1
	shift
	"$snpboot" kds-fetch "$@" >"$work/$name.out" 2>&1
	rc=$?
}
verify() { # verify CERTDIR [REPORT]
	"$snpboot" report verify "${2:-$real/report.bin}" --certs "$1" --measurement any --report-data any \
		--now 1717200000 >"$work/verify.out" 2>&1
}

kds_serve kds "$work/kds" normal
url=https://localhost:$port
fetch first --report "$real/report.bin" --product milan --cache "$work/cache-a" --kds-url "$url" --ca-file "$pki/ca.pem"
ok $rc "kds-fetch fetches the chain and the VCEK over HTTPS (rc=$rc)"
[ $rc = 0 ] || diag <"$work/first.out"
certs=$(sed -n 's/^certs: //p' "$work/first.out")
check "the VCEK lands in <cache>/Milan/<hwid>-<tcb>/vcek.der" test "$certs" = "$work/cache-a/Milan/$hwid-0300000000000873" -a -f "$certs/vcek.der"
check "the VCEK URL carries the report's TCB" grep -qF "GET /vcek/v1/Milan/$hwid?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115" "$work/kds.log"
check "the chain was asked for once" test "$(grep -c 'GET /vcek/v1/Milan/cert_chain$' "$work/kds.log")" = 1
check "no CRL on this server: a warning, not a failure" grep -q 'warning: no CRL' "$work/first.out"
verify "$certs"
ok $? "report verify --certs <fetched dir> accepts the real Milan report"
[ -s "$work/verify.out" ] && grep -q 'FAIL' "$work/verify.out" && diag <"$work/verify.out"

requests=$(wc -l <"$work/kds.log")
fetch second --report "$real/report.bin" --product milan --cache "$work/cache-a" --kds-url "$url" --ca-file "$pki/ca.pem"
ok $rc "second run succeeds"
check "second run is served from the cache (the server saw no new request)" test "$(wc -l <"$work/kds.log")" = "$requests"
check "second run says cached" grep -q 'cached .*vcek.der' "$work/second.out"

# A TCB update (blSPL 3 -> 4): another VCEK is needed, the chain is reused.
cp "$real/report.bin" "$work/tcb4.bin"
printf '\x04' | dd of="$work/tcb4.bin" bs=1 seek=$((0x180)) conv=notrunc 2>/dev/null
fetch tcb --report "$work/tcb4.bin" --product milan --cache "$work/cache-a" --kds-url "$url" --ca-file "$pki/ca.pem"
ok $rc "a changed REPORTED_TCB fetches again"
check "... a new VCEK (blSPL=04), into its own directory" bash -c "grep -qF 'blSPL=04&' '$work/kds.log' && test -f '$work/cache-a/Milan/$hwid-0400000000000873/vcek.der'"
check "... and not the chain" test "$(grep -c 'cert_chain$' "$work/kds.log")" = 1

# The chunked transfer coding.
kds_serve chunked "$work/kds" chunked
fetch chunked --report "$real/report.bin" --product milan --cache "$work/cache-b" --kds-url "https://localhost:$port" --ca-file "$pki/ca.pem"
ok $rc "chunked responses are decoded"
check "... into the same certificates" cmp "$work/cache-b/Milan/$hwid-0300000000000873/vcek.der" "$real/vcek.der"
verify "$work/cache-b/Milan/$hwid-0300000000000873"
ok $? "... which verify the report"

# Refusals.
fetch wrongca --report "$real/report.bin" --product milan --cache "$work/cache-c" --kds-url "$url" --ca-file "$pki/other.pem"
ok "$([ $rc = 1 ]; echo $?)" "a server certificate from another CA: refused (rc=$rc)"
check "... naming the untrusted certificate" grep -qE 'certificate "CN=localhost".*not trusted.*BR_ERR_X509_NOT_TRUSTED' "$work/wrongca.out"
check "... and nothing was cached" test ! -e "$work/cache-c/Milan/cert_chain.pem"

fetch name --report "$real/report.bin" --product milan --cache "$work/cache-c" --kds-url "https://127.0.0.1:$port" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "server name mismatch (the certificate names localhost, the URL 127.0.0.1): refused"
check "... with BR_ERR_X509_BAD_SERVER_NAME" grep -q "not valid for the name '127.0.0.1'" "$work/name.out"

kds_serve empty "$work/empty" normal
fetch notfound --report "$real/report.bin" --product milan --cache "$work/cache-c" --kds-url "https://localhost:$port" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "404 from KDS: refused"
check "... says HTTP 404 and the URL" grep -qE 'cert_chain: HTTP 404' "$work/notfound.out"

kds_serve limited "$work/kds" 429
fetch limited --report "$real/report.bin" --product milan --cache "$work/cache-c" --kds-url "https://localhost:$port" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "429 from KDS: refused"
check "... says rate-limited and when to retry" grep -qE 'rate-limited .*HTTP 429.*retry after 30 s' "$work/limited.out"

fetch noproduct --report "$real/report.bin" --cache "$work/cache-c" --kds-url "$url" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "a v2 report without --product: refused"
check "... asking for the product" grep -q 'does not name its product' "$work/noproduct.out"

done_testing
