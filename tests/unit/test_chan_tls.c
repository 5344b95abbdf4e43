/*
 * The attested channel over real TLS (BearSSL on both ends, socketpair,
 * the guest in a forked child): the whole frame exchange, a relaying man in
 * the middle caught by the binding, owner key pinning, refused protocol
 * versions and cipher suites, oversized frames, cut streams and deadlines.
 */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "chan_test_util.h"

static struct chan_tls_server guest_x, guest_y;
static struct chan_tls_server pinned_guest;
static struct chan_tls_client owner, owner_a, owner_b;
static struct selfcert owner_key_a, owner_key_b;
static const uint8_t disk_key[48] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};

static int contains(const char *hay, const char *needle) { return hay && strstr(hay, needle) != NULL; }

static void test_full_exchange(void)
{
	struct guest_args a = {&guest_x, GUEST_FULL, IO_TIMEOUT_MS};
	struct guest_proc g;
	struct owner_result o;
	struct guest_result r;
	uint8_t nonce[32];

	memset(nonce, 7, sizeof(nonce));
	guest_spawn(&g, &a);
	owner_script(&owner, g.fd, nonce, disk_key, sizeof(disk_key), NULL, &o);
	guest_wait(&g, &r);
	ok(o.rc == 0, "owner: HELLO -> EVIDENCE -> SECRETS -> RESULT completed");
	if (o.rc)
		diag("%s", o.err);
	ok(r.rc == 0 && r.got_hello, "guest: the same");
	if (r.rc)
		diag("%s", r.err);
	is_str(o.suite, "ECDHE-ECDSA-AES256-GCM-SHA384", "server-preferred suite negotiated");
	is_str(r.suite, o.suite, "  both ends agree on it");
	is_mem(o.report_data, o.binding, 64, "the evidence binds the owner's session");
	is_mem(r.binding, o.binding, 64, "  same REPORT_DATA on both ends");
	is_mem(o.guest_sha256, r.spki_sha256, 32, "the owner saw the guest's fresh key");
	ok(r.disk_key_len == sizeof(disk_key) && memcmp(r.disk_key, disk_key, sizeof(disk_key)) == 0,
	   "the guest received the disk key intact");
	ok(o.result.status == CHAN_RESULT_OK, "the owner got RESULT ok");
	is_str(o.detail, "unlocked", "  with the guest's detail");
	ok(!r.have_owner, "no owner key asked for without pinning");

	memset(nonce, 8, sizeof(nonce));
	guest_spawn(&g, &a);
	owner_script(&owner, g.fd, nonce, NULL, 0, "MEASUREMENT differs from the VM definition", &o);
	guest_wait(&g, &r);
	ok(o.rc == 0 && r.rc == 0, "a REJECT instead of SECRETS ends the exchange cleanly");
	is_str(r.reject, "MEASUREMENT differs from the VM definition", "  the guest got the reason");
	ok(r.disk_key_len == 0, "  and no key");

	memset(nonce, 9, sizeof(nonce));
	guest_spawn(&g, &a);
	owner_script(&owner, g.fd, nonce, disk_key, sizeof(disk_key), NULL, &o);
	guest_wait(&g, &r);
	ok(!bytes_all_zero(owner.cc.eng.session.master_secret, 48), "after a session the engine holds its master secret");
	chan_tls_client_end_session(&owner);
	ok(bytes_all_zero(owner.cc.eng.session.master_secret, 48) && bytes_all_zero(owner.iobuf, sizeof(owner.iobuf)),
	   "chan_tls_client_end_session wipes it and the record buffers (which held the disk key)");
}

/* ---- a relaying man in the middle -------------------------------------- */

struct relay_result {
	int rc;
	char err[300];
	struct guest_result guest;
};

static int relay_frame(struct chan_io *from, struct chan_io *to, unsigned allowed, uint8_t *buf, size_t cap,
		       unsigned *type, char *err, size_t err_len)
{
	struct chan_frame_decoder d;
	chan_frame_decoder_init(&d, buf, cap, allowed);
	if (chan_frame_recv(from, &d, err, err_len))
		return -1;
	*type = d.type;
	return chan_frame_send(to, d.type, d.buf, d.len, err, err_len);
}

/* The relay terminates the owner's TLS with its own key (guest_x) and opens
 * its own TLS session to the real guest (guest_y), passing frames along. */
static void relay_main(int owner_fd, struct relay_result *rr)
{
	static uint8_t buf[CHAN_EVIDENCE_MAX];
	static struct chan_tls_client to_guest;
	struct guest_args a = {&guest_y, GUEST_FULL, IO_TIMEOUT_MS};
	struct guest_proc g;
	struct chan_io sio, cio;
	unsigned type;
	char *err = rr->err;
	size_t el = sizeof(rr->err);

	rr->rc = -1;
	if (guest_spawn(&g, &a))
		return;
	if (chan_tls_server_start(&guest_x, &sio, owner_fd, err, el) ||
	    chan_tls_client_init(&to_guest, NULL, err, el) || chan_tls_client_start(&to_guest, &cio, g.fd, err, el))
		goto out;
	chan_io_set_timeout(&sio, IO_TIMEOUT_MS);
	chan_io_set_timeout(&cio, IO_TIMEOUT_MS);
	if (chan_io_handshake(&sio, err, el) || chan_io_handshake(&cio, err, el) ||
	    relay_frame(&sio, &cio, CHAN_FRAME_BIT(CHAN_FRAME_HELLO), buf, sizeof(buf), &type, err, el) ||
	    relay_frame(&cio, &sio, CHAN_FRAME_BIT(CHAN_FRAME_EVIDENCE), buf, sizeof(buf), &type, err, el) ||
	    relay_frame(&sio, &cio, CHAN_FRAME_BIT(CHAN_FRAME_SECRETS) | CHAN_FRAME_BIT(CHAN_FRAME_REJECT), buf,
			CHAN_SECRETS_MAX, &type, err, el))
		goto out;
	if (type == CHAN_FRAME_SECRETS &&
	    relay_frame(&cio, &sio, CHAN_FRAME_BIT(CHAN_FRAME_RESULT), buf, CHAN_RESULT_MAX, &type, err, el))
		goto out;
	rr->rc = 0;
	chan_io_close(&sio);
	chan_io_close(&cio);
out:
	guest_wait(&g, &rr->guest);
}

static void test_relay_is_caught(void)
{
	struct owner_result o;
	struct relay_result rr;
	uint8_t nonce[32];
	int sv[2], rp[2];

	memset(nonce, 9, sizeof(nonce));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(rp)) {
		ok(0, "socketpair");
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		memset(&rr, 0, sizeof(rr));
		close(sv[0]);
		close(rp[0]);
		alarm(30);
		relay_main(sv[1], &rr);
		close(sv[1]);
		_exit(write(rp[1], &rr, sizeof(rr)) == (ssize_t)sizeof(rr) ? 0 : 2);
	}
	close(sv[1]);
	close(rp[1]);
	owner_script(&owner, sv[0], nonce, disk_key, sizeof(disk_key), NULL, &o);
	close(sv[0]);
	memset(&rr, 0, sizeof(rr));
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(rr) && (n = read(rp[0], (uint8_t *)&rr + got, sizeof(rr) - got)) > 0)
		got += (size_t)n;
	close(rp[0]);
	waitpid(pid, NULL, 0);

	ok(rr.rc == 0, "the relay passed HELLO, EVIDENCE and the owner's answer along");
	if (rr.rc)
		diag("relay: %s", rr.err);
	ok(rr.guest.got_hello, "the real guest got the owner's nonce and produced evidence");
	ok(memcmp(o.guest_sha256, rr.guest.spki_sha256, 32) != 0, "the owner saw the relay's key, not the guest's");
	ok(memcmp(o.report_data, o.binding, 64) != 0, "the relayed report does not bind the owner's session");
	is_int(o.rc, 1, "so the owner refused it");
	is_str(o.err, "REPORT_DATA does not bind this TLS session", "  saying why");
	is_str(rr.guest.reject, "REPORT_DATA does not bind this TLS session", "the guest got the REJECT, no secret");
	ok(rr.guest.disk_key_len == 0, "  and no disk key went anywhere");

	/* Two independent sessions, same nonce: owner A <-> guest X and
	 * owner B <-> guest Y give different values (what makes the relay fail). */
	struct guest_args ax = {&guest_x, GUEST_FULL, IO_TIMEOUT_MS}, ay = {&guest_y, GUEST_FULL, IO_TIMEOUT_MS};
	struct guest_proc gx, gy;
	struct owner_result oa, ob;
	struct guest_result rx, ry;
	guest_spawn(&gx, &ax);
	owner_script(&owner_a, gx.fd, nonce, disk_key, sizeof(disk_key), NULL, &oa);
	guest_wait(&gx, &rx);
	guest_spawn(&gy, &ay);
	owner_script(&owner_b, gy.fd, nonce, disk_key, sizeof(disk_key), NULL, &ob);
	guest_wait(&gy, &ry);
	ok(oa.rc == 0 && ob.rc == 0, "sessions A<->X and B<->Y with the same nonce both complete");
	ok(memcmp(rx.binding, ry.binding, 64) != 0, "  their REPORT_DATA differ");
	ok(memcmp(oa.binding, ry.binding, 64) != 0 && memcmp(ob.binding, rx.binding, 64) != 0,
	   "  neither owner would accept the other guest's report");
}

/* ---- owner key pinning ---------------------------------------------------- */

static void run_pinned(struct chan_tls_client *c, struct owner_result *o, struct guest_result *r)
{
	struct guest_args a = {&pinned_guest, GUEST_FULL, IO_TIMEOUT_MS};
	struct guest_proc g;
	uint8_t nonce[32];
	memset(nonce, 3, sizeof(nonce));
	guest_spawn(&g, &a);
	owner_script(c, g.fd, nonce, disk_key, sizeof(disk_key), NULL, o);
	guest_wait(&g, r);
}

static void test_pinning(void)
{
	struct owner_result o;
	struct guest_result r;
	char err[200];
	uint8_t pins[2][32];

	memset(pins[0], 0xee, 32); /* some other owner's key */
	memcpy(pins[1], owner_key_a.spki_sha256, 32);
	if (!ok(chan_tls_server_init(&pinned_guest, &pins[0][0], 2, err, sizeof(err)) == 0, "guest pinning 2 owner keys"))
		diag("%s", err);

	run_pinned(&owner_a, &o, &r);
	ok(o.rc == 0 && r.rc == 0, "the pinned owner key is accepted and the exchange completes");
	if (r.rc)
		diag("guest: %s", r.err);
	ok(r.have_owner && memcmp(r.owner_sha256, owner_key_a.spki_sha256, 32) == 0, "  the guest saw that key");
	ok(r.disk_key_len == sizeof(disk_key), "  and got the disk key");

	run_pinned(&owner_b, &o, &r);
	ok(o.rc != 0 && r.rc != 0, "another owner key is refused in the handshake");
	ok(contains(r.err, "the client's key (SPKI SHA-256 ") && contains(r.err, "is not one of the 2 pinned keys"),
	   "  guest says why: %s", r.err);
	ok(!r.got_hello, "  before any frame");
	diag("owner side: %s", o.err);

	run_pinned(&owner, &o, &r);
	ok(o.rc != 0 && r.rc != 0, "no client certificate is refused when pinning is on");
	ok(contains(r.err, "the client sent no certificate, and owner keys are pinned"), "  guest says why: %s", r.err);

	ok(chan_tls_server_init(&pinned_guest, &pins[0][0], CHAN_PEER_MAX_PINS + 1, err, sizeof(err)) < 0,
	   "too many pins refused");
	is_str(err, "owner pinning: 9 pinned keys, at most 8 supported", "  message");
	chan_tls_server_wipe(&pinned_guest);
}

/* ---- clients outside the policy ---------------------------------------- */

enum weak_kind { WEAK_CBC, WEAK_TLS11, WEAK_RSA_KX, WEAK_CCM };

static int weak_handshake(int fd, enum weak_kind kind, char *err, size_t err_len)
{
	static br_ssl_client_context cc;
	static br_x509_minimal_context xc;
	static uint8_t iobuf[BR_SSL_BUFSIZE_BIDI];
	static const uint16_t cbc[] = {BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
				       BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA};
	static const uint16_t rsa[] = {BR_TLS_RSA_WITH_AES_128_GCM_SHA256, BR_TLS_RSA_WITH_AES_256_GCM_SHA384};
	static const uint16_t ccm[] = {BR_TLS_ECDHE_ECDSA_WITH_AES_128_CCM};
	struct chan_io io;

	br_ssl_client_init_full(&cc, &xc, NULL, 0);
	switch (kind) {
	case WEAK_CBC:
		br_ssl_engine_set_suites(&cc.eng, cbc, 3);
		break;
	case WEAK_TLS11:
		br_ssl_engine_set_versions(&cc.eng, BR_TLS10, BR_TLS11);
		break;
	case WEAK_RSA_KX:
		br_ssl_engine_set_suites(&cc.eng, rsa, 2);
		break;
	case WEAK_CCM:
		br_ssl_engine_set_suites(&cc.eng, ccm, 1);
		break;
	}
	br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof(iobuf), 1);
	br_ssl_client_reset(&cc, NULL, 0);
	chan_io_init(&io, &cc.eng, fd, NULL);
	chan_io_set_timeout(&io, IO_TIMEOUT_MS);
	return chan_io_handshake(&io, err, err_len);
}

static void test_policy_refusals(void)
{
	static const struct {
		enum weak_kind kind;
		const char *name, *guest_says;
	} cases[] = {
		{WEAK_CBC, "a client offering only CBC suites", "handshake_failure): the peer offered nothing acceptable"},
		{WEAK_TLS11, "a TLS 1.0/1.1 client", "protocol_version): the peer does not offer TLS 1.2"},
		{WEAK_RSA_KX, "a client offering only RSA key exchange", "handshake_failure): the peer offered nothing"},
		{WEAK_CCM, "a client offering only AES-CCM", "handshake_failure): the peer offered nothing acceptable"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct guest_args a = {&guest_x, GUEST_FULL, IO_TIMEOUT_MS};
		struct guest_proc g;
		struct guest_result r;
		char err[300];
		guest_spawn(&g, &a);
		int rc = weak_handshake(g.fd, cases[i].kind, err, sizeof(err));
		guest_wait(&g, &r);
		ok(rc < 0 && r.rc < 0, "%s is refused", cases[i].name);
		ok(contains(r.err, cases[i].guest_says), "  guest: %s", r.err);
		diag("  client: %s", err);
	}
}

/* ---- broken peers and deadlines ------------------------------------------ */

/* Owner that completes the handshake and HELLO/EVIDENCE, then misbehaves. */
enum misbehave { OVERSIZED_SECRETS, CUT_HEADER, SILENT_AFTER_HANDSHAKE, ABRUPT_CLOSE_IN_HANDSHAKE, SILENT };

static void misbehaving_owner(int fd, enum misbehave how)
{
	static uint8_t buf[CHAN_EVIDENCE_MAX];
	struct chan_frame_decoder d;
	struct chan_io io;
	char err[300];
	uint8_t nonce[32] = {0};

	if (how == SILENT) {
		usleep(1000 * 1000);
		return;
	}
	if (how == ABRUPT_CLOSE_IN_HANDSHAKE) {
		/* A ClientHello-looking start, then the socket just closes. */
		static const uint8_t partial[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01};
		if (write(fd, partial, sizeof(partial)) < 0)
			return;
		return;
	}
	chan_tls_client_start(&owner, &io, fd, err, sizeof(err));
	chan_io_set_timeout(&io, IO_TIMEOUT_MS);
	if (chan_io_handshake(&io, err, sizeof(err)))
		return;
	if (how == SILENT_AFTER_HANDSHAKE) {
		usleep(1000 * 1000);
		return;
	}
	if (how == CUT_HEADER) {
		static const uint8_t three[] = {CHAN_FRAME_HELLO, 0, 0};
		chan_io_write(&io, three, sizeof(three), err, sizeof(err));
		chan_io_flush(&io, err, sizeof(err));
		chan_io_close(&io);
		return;
	}
	chan_frame_send(&io, CHAN_FRAME_HELLO, nonce, 32, err, sizeof(err));
	chan_frame_decoder_init(&d, buf, sizeof(buf), CHAN_FRAME_BIT(CHAN_FRAME_EVIDENCE));
	if (chan_frame_recv(&io, &d, err, sizeof(err)))
		return;
	/* A SECRETS header claiming 70000 bytes, and no body at all: the guest
	 * must refuse from the header, not wait for the bytes. */
	uint8_t hdr[5] = {CHAN_FRAME_SECRETS};
	be32_store(hdr + 1, 70000);
	chan_io_write(&io, hdr, sizeof(hdr), err, sizeof(err));
	chan_io_flush(&io, err, sizeof(err));
	usleep(1000 * 1000);
}

static void run_misbehaving(enum misbehave how, unsigned guest_timeout_ms, struct guest_result *r)
{
	struct guest_args a = {&guest_x, GUEST_FULL, guest_timeout_ms};
	struct guest_proc g;
	guest_spawn(&g, &a);
	misbehaving_owner(g.fd, how);
	guest_wait(&g, r);
}

static void test_broken_peers(void)
{
	struct guest_result r;

	run_misbehaving(OVERSIZED_SECRETS, IO_TIMEOUT_MS, &r);
	ok(r.rc < 0 && r.got_hello, "an oversized SECRETS frame is refused by the guest's reader");
	is_str(r.err, "SECRETS frame of 70000 bytes exceeds 4096", "  message");
	ok(r.elapsed_ms < 2000, "  at once, from the header (%ld ms)", r.elapsed_ms);

	run_misbehaving(CUT_HEADER, IO_TIMEOUT_MS, &r);
	ok(r.rc < 0, "a frame cut inside its header is an error");
	is_str(r.err, "after 3 of the 5 frame header bytes: the peer closed the TLS connection while receiving",
	       "  message");

	run_misbehaving(ABRUPT_CLOSE_IN_HANDSHAKE, IO_TIMEOUT_MS, &r);
	ok(r.rc < 0, "a connection dropped in the handshake is an error");
	is_str(r.err, "the peer closed the connection during the TLS handshake (no TLS close_notify)", "  message");
}

static void test_deadlines(void)
{
	struct guest_result r;

	run_misbehaving(SILENT, 300, &r);
	ok(r.rc < 0, "guest: a silent peer in the handshake times out");
	is_str(r.err, "timed out after 300 ms waiting for the peer during the TLS handshake", "  message");
	ok(r.elapsed_ms >= 295 && r.elapsed_ms < 5000, "  after about 300 ms (%ld ms)", r.elapsed_ms);

	run_misbehaving(SILENT_AFTER_HANDSHAKE, 300, &r);
	ok(r.rc < 0, "guest: a peer silent after the handshake times out");
	is_str(r.err, "waiting for a frame: timed out after 300 ms waiting for the peer while receiving", "  message");
	ok(r.elapsed_ms >= 295 && r.elapsed_ms < 5000, "  after about 300 ms (%ld ms)", r.elapsed_ms);

	/* The owner's side: a "guest" that accepts the connection and never answers. */
	int sv[2];
	char err[300];
	struct chan_io io;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		sleep(3);
		_exit(0);
	}
	close(sv[1]);
	chan_tls_client_start(&owner, &io, sv[0], err, sizeof(err));
	chan_io_set_timeout(&io, 300);
	long t0 = now_ms();
	int rc = chan_io_handshake(&io, err, sizeof(err));
	long dt = now_ms() - t0;
	ok(rc < 0, "owner: a silent guest times out");
	is_str(err, "timed out after 300 ms waiting for the peer during the TLS handshake", "  message");
	ok(dt >= 295 && dt < 900, "  after about 300 ms (%ld ms)", dt);
	ok(chan_io_handshake(&io, err, sizeof(err)) < 0 && contains(err, "unusable after an earlier error"),
	   "  the connection stays dead: %s", err);
	close(sv[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_wipe(void)
{
	static struct chan_tls_server s;
	char err[200];
	ok(chan_tls_server_init(&s, NULL, 0, err, sizeof(err)) == 0 && !bytes_all_zero(s.cert.priv, 48),
	   "a server holds a private key");
	chan_tls_server_wipe(&s);
	ok(bytes_all_zero(&s, sizeof(s)), "chan_tls_server_wipe leaves nothing of it (key, TLS state, buffers)");
}

int main(void)
{
	char err[200];
	if (chan_tls_server_init(&guest_x, NULL, 0, err, sizeof(err)) ||
	    chan_tls_server_init(&guest_y, NULL, 0, err, sizeof(err)) ||
	    selfcert_generate(&owner_key_a, "owner a", 0, SELFCERT_NOT_AFTER_NEVER, err, sizeof(err)) ||
	    selfcert_generate(&owner_key_b, "owner b", 0, SELFCERT_NOT_AFTER_NEVER, err, sizeof(err)) ||
	    chan_tls_client_init(&owner, NULL, err, sizeof(err)) ||
	    chan_tls_client_init(&owner_a, &owner_key_a, err, sizeof(err)) ||
	    chan_tls_client_init(&owner_b, &owner_key_b, err, sizeof(err))) {
		ok(0, "set up: %s", err);
		return done_testing();
	}
	test_full_exchange();
	test_relay_is_caught();
	test_pinning();
	test_policy_refusals();
	test_broken_peers();
	test_deadlines();
	test_wipe();
	chan_tls_server_wipe(&guest_x);
	chan_tls_server_wipe(&guest_y);
	chan_tls_client_wipe(&owner);
	chan_tls_client_wipe(&owner_a);
	chan_tls_client_wipe(&owner_b);
	selfcert_wipe(&owner_key_a);
	selfcert_wipe(&owner_key_b);
	return done_testing();
}
