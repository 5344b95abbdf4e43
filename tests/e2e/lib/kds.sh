# A local stand-in for AMD KDS (no Internet here): an openssl-made TLS PKI and
# tests/e2e/lib/kds_server.py. Source after e2e.sh; needs $work.
#   kds_pki DIR          CA (ca.pem), "another CA" (other.pem) and a server
#                        certificate for localhost / 127.0.0.1 (server.pem/.key)
#   kds_serve NAME ROOT MODE   starts a server over ROOT (normal | chunked | 429);
#                        sets $port; its requests are logged in $work/NAME.log
#   kds_stop             stops every server started (also at exit)
kds_servers=()
kds_pki() {
	kds_pki_dir=$1
	mkdir -p "$1"
	local name cn
	for name in ca other; do
		cn="snpboot test CA"
		[ $name = other ] && cn="another CA"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$cn" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
			-keyout "$1/$name.key" -out "$1/$name.pem" 2>/dev/null
	done
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$1/server.key" -out "$1/server.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$1/ext"
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 2 \
		-extfile "$1/ext" -out "$1/server.pem" 2>/dev/null
}
kds_serve() {
	rm -f "$work/$1.port"
	: >"$work/$1.log"
	python3 "$(dirname "${BASH_SOURCE[0]}")/kds_server.py" "$(realpath "$2")" "$kds_pki_dir/server.pem" \
		"$kds_pki_dir/server.key" "$work/$1.port" "$work/$1.log" "$3" >"$work/$1.server.out" 2>&1 &
	kds_servers+=($!)
	for _ in $(seq 100); do [ -s "$work/$1.port" ] && break; sleep 0.1; done
	port=$(cat "$work/$1.port")
}
kds_stop() {
	local p
	for p in "${kds_servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	kds_servers=()
}
trap 'kds_stop; e2e_stop_watchdog' EXIT
