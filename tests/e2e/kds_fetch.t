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
pki=$work/pki
mkca() { # mkca NAME CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$pki/$1.key" -out "$pki/$1.pem" 2>/dev/null
}
mkca ca "snpboot test CA"
mkca other "another CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
	-keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$pki/ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
	-extfile "$pki/ext" -out "$pki/server.pem" 2>/dev/null
check "test PKI made with openssl" test -s "$pki/server.pem"

# ---- a directory laid out like KDS: the path part resolves, the query is logged
hwid=$(od -An -tx1 -j $((0x1a0)) -N64 "$real/report.bin" | tr -d ' \n')
mkdir -p "$work/kds/vcek/v1/Milan"
cp "$real/cert_chain.pem" "$work/kds/vcek/v1/Milan/cert_chain"
cp "$real/vcek.der" "$work/kds/vcek/v1/Milan/$hwid"

cat >"$work/server.py" <<'PY'
import http.server, os, ssl, sys
root, cert, key, portfile, log, mode = sys.argv[1:7]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        with open(log, "a") as f:
            f.write("GET %s\n" % self.path)
        if mode == "429":
            body = b"Too Many Requests"
            self.send_response(429); self.send_header("Retry-After", "30")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body); return
        p = os.path.normpath(root + "/" + self.path.split("?")[0])
        if not p.startswith(root) or not os.path.isfile(p):
            body = b"not found"
            self.send_response(404); self.send_header("Content-Length", str(len(body)))
            self.end_headers(); self.wfile.write(body); return
        data = open(p, "rb").read()
        self.send_response(200); self.send_header("Content-Type", "application/octet-stream")
        if mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
            for i in range(0, len(data), 500):
                c = data[i:i + 500]
                self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
        self.close_connection = True
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(portfile + ".tmp", "w").write(str(srv.server_address[1])); os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
PY
servers=()
serve() { # serve NAME ROOT MODE: sets $port; requests in $work/NAME.log
	rm -f "$work/$1.port"
	: >"$work/$1.log"
	python3 "$work/server.py" "$(realpath "$2")" "$pki/server.pem" "$pki/server.key" "$work/$1.port" "$work/$1.log" "$3" \
		>"$work/$1.server.out" 2>&1 &
	servers+=($!)
	for _ in $(seq 100); do [ -s "$work/$1.port" ] && break; sleep 0.1; done
	port=$(cat "$work/$1.port")
}
stop_servers() { for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap 'stop_servers; e2e_stop_watchdog' EXIT
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

serve kds "$work/kds" normal
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
serve chunked "$work/kds" chunked
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

serve empty "$work/empty" normal
fetch notfound --report "$real/report.bin" --product milan --cache "$work/cache-c" --kds-url "https://localhost:$port" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "404 from KDS: refused"
check "... says HTTP 404 and the URL" grep -qE 'cert_chain: HTTP 404' "$work/notfound.out"

serve limited "$work/kds" 429
fetch limited --report "$real/report.bin" --product milan --cache "$work/cache-c" --kds-url "https://localhost:$port" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "429 from KDS: refused"
check "... says rate-limited and when to retry" grep -qE 'rate-limited .*HTTP 429.*retry after 30 s' "$work/limited.out"

fetch noproduct --report "$real/report.bin" --cache "$work/cache-c" --kds-url "$url" --ca-file "$pki/ca.pem"
ok "$([ $rc = 1 ]; echo $?)" "a v2 report without --product: refused"
check "... asking for the product" grep -q 'does not name its product' "$work/noproduct.out"

done_testing
