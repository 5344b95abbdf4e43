/* REPORT_DATA binding (chan_binding.h): the formula, and over real TLS
 * sessions: both ends agree, sessions and nonces separate values, and the
 * exporter matches an independent RFC 5705 computation. */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "chan_test_util.h"

static struct chan_tls_server server;
static struct chan_tls_client client;

static void test_formula(void)
{
	uint8_t spki[32], exp[32], out[64], want[64];
	for (int i = 0; i < 32; i++) {
		spki[i] = (uint8_t)i;
		exp[i] = (uint8_t)(32 + i);
	}
	/* python3: hashlib.sha512(b'snpboot-report-data-v1' + bytes(range(64))) */
	hex_decode(want, sizeof(want),
		   "ade7f6981c0c57a998b2358b36cd1da4efb98c6d726a411b82e4e11939135a3a"
		   "b1057943570bbb8f36813df05cf718b699e9ae68fa444c8a3bf667949276df17",
		   128);
	chan_binding_compute(spki, exp, out);
	is_mem(out, want, 64, "REPORT_DATA = SHA-512(prefix || SPKI hash || exporter): known answer");
	spki[0] ^= 1;
	chan_binding_compute(spki, exp, out);
	ok(memcmp(out, want, 64) != 0, "a different key fingerprint changes it");
}

/* TLS 1.2 P_hash (RFC 5246 section 5) written out with plain HMAC, to check
 * BearSSL's exporter independently of its PRF code. */
static void p_hash(const br_hash_class *h, const uint8_t *secret, size_t secret_len, const uint8_t *seed,
		   size_t seed_len, uint8_t *out, size_t out_len)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t a[64], block[64];
	size_t hlen = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;

	br_hmac_key_init(&kc, h, secret, secret_len);
	br_hmac_init(&hc, &kc, 0); /* A(1) = HMAC(secret, seed) */
	br_hmac_update(&hc, seed, seed_len);
	br_hmac_out(&hc, a);
	while (out_len > 0) {
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, a, hlen);
		br_hmac_update(&hc, seed, seed_len);
		br_hmac_out(&hc, block);
		size_t n = out_len < hlen ? out_len : hlen;
		memcpy(out, block, n);
		out += n;
		out_len -= n;
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, a, hlen);
		br_hmac_out(&hc, a);
	}
}

/* RFC 5705: PRF(master_secret, label, client_random || server_random ||
 * context_length (2 bytes) || context). */
static void independent_exporter(const br_ssl_engine_context *eng, const uint8_t nonce[32], uint8_t out[32])
{
	uint8_t seed[16 + 32 + 32 + 2 + 32];
	size_t n = 0;
	memcpy(seed, CHAN_EXPORTER_LABEL, strlen(CHAN_EXPORTER_LABEL));
	n += strlen(CHAN_EXPORTER_LABEL);
	memcpy(seed + n, eng->client_random, 32);
	memcpy(seed + n + 32, eng->server_random, 32);
	n += 64;
	seed[n++] = 0;
	seed[n++] = 32;
	memcpy(seed + n, nonce, 32);
	n += 32;
	const br_hash_class *h = eng->session.cipher_suite == BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
					 ? &br_sha384_vtable
					 : &br_sha256_vtable;
	p_hash(h, eng->session.master_secret, sizeof(eng->session.master_secret), seed, n, out, 32);
}

static void run_full(const uint8_t nonce[32], struct owner_result *o, struct guest_result *r)
{
	struct guest_args a = {&server, GUEST_FULL, IO_TIMEOUT_MS};
	struct guest_proc g;
	static const uint8_t key[32] = {1, 2, 3};
	if (guest_spawn(&g, &a)) {
		o->rc = r->rc = -1;
		return;
	}
	owner_script(&client, g.fd, nonce, key, sizeof(key), NULL, o);
	guest_wait(&g, r);
	if (o->rc)
		diag("owner: %s", o->err);
	if (r->rc)
		diag("guest: %s", r->err);
}

static void test_sessions(void)
{
	uint8_t nonce[32], exp[32], b1[64];
	struct owner_result o1, o2;
	struct guest_result r1, r2;
	char err[200];

	memset(nonce, 0x42, sizeof(nonce));
	run_full(nonce, &o1, &r1);
	ok(o1.rc == 0 && r1.rc == 0, "a full session over real TLS");
	is_mem(r1.binding, o1.binding, 64, "guest and owner compute the same REPORT_DATA");
	is_mem(o1.report_data, o1.binding, 64, "  and it is what the evidence carried");
	is_mem(r1.spki_sha256, o1.guest_sha256, 32, "the owner saw the guest's own key");
	independent_exporter(&client.cc.eng, nonce, exp);
	chan_binding_compute(o1.guest_sha256, exp, b1);
	is_mem(b1, o1.binding, 64, "exporter matches an independent RFC 5705 computation (%s)", o1.suite);

	/* Same guest key, same nonce, a new session: a different value. */
	run_full(nonce, &o2, &r2);
	ok(o2.rc == 0 && r2.rc == 0, "a second session with the same guest key and nonce");
	is_mem(r2.binding, o2.binding, 64, "  both ends agree again");
	ok(memcmp(o1.binding, o2.binding, 64) != 0, "  but on a different REPORT_DATA (a report cannot be replayed)");

	/* SHA-256 PRF suites too. */
	static const uint16_t chacha[] = {BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256};
	owner_suites = chacha;
	owner_n_suites = 1;
	run_full(nonce, &o2, &r2);
	owner_suites = NULL;
	is_str(o2.suite, "ECDHE-ECDSA-CHACHA20-POLY1305", "a ChaCha20-Poly1305 session");
	is_mem(r2.binding, o2.binding, 64, "  both ends agree");
	independent_exporter(&client.cc.eng, nonce, exp);
	chan_binding_compute(o2.guest_sha256, exp, b1);
	is_mem(b1, o2.binding, 64, "  exporter matches the independent computation (SHA-256 PRF)");

	ok(chan_binding_exporter(&client.cc.eng, nonce, exp, err, sizeof(err)) < 0, "no exporter on a closed session");
	is_str(err, "TLS exporter unavailable: the handshake is not complete or the connection failed", "  message");
}

static void test_nonces_in_one_session(void)
{
	struct guest_args a = {&server, GUEST_HANDSHAKE_ONLY, IO_TIMEOUT_MS};
	struct guest_proc g;
	struct guest_result r;
	struct chan_io io;
	uint8_t n1[32], n2[32], b1[64], b2[64], b1again[64];
	char err[300];

	memset(n1, 1, sizeof(n1));
	memcpy(n2, n1, sizeof(n2));
	n2[31] ^= 0x80;
	if (guest_spawn(&g, &a)) {
		ok(0, "spawn");
		return;
	}
	int hs = chan_tls_client_start(&client, &io, g.fd, err, sizeof(err)) == 0 &&
		 (chan_io_set_timeout(&io, IO_TIMEOUT_MS), chan_io_handshake(&io, err, sizeof(err)) == 0);
	ok(hs, "handshake");
	const uint8_t *fp = chan_tls_client_guest_spki_sha256(&client);
	ok(fp && chan_binding_from_engine(&client.cc.eng, n1, fp, b1, err, sizeof(err)) == 0 &&
		   chan_binding_from_engine(&client.cc.eng, n2, fp, b2, err, sizeof(err)) == 0 &&
		   chan_binding_from_engine(&client.cc.eng, n1, fp, b1again, err, sizeof(err)) == 0,
	   "bindings for two nonces in one session");
	ok(memcmp(b1, b2, 64) != 0, "  a one-bit different nonce gives a different REPORT_DATA");
	is_mem(b1, b1again, 64, "  the same nonce gives the same one");
	chan_io_close(&io);
	guest_wait(&g, &r);
}

int main(void)
{
	char err[200];
	test_formula();
	if (!ok(chan_tls_server_init(&server, NULL, 0, err, sizeof(err)) == 0, "guest server set up") ||
	    !ok(chan_tls_client_init(&client, NULL, err, sizeof(err)) == 0, "owner client set up")) {
		diag("%s", err);
		return done_testing();
	}
	test_sessions();
	test_nonces_in_one_session();
	chan_tls_server_wipe(&server);
	chan_tls_client_wipe(&client);
	return done_testing();
}
