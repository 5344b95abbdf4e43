/*
 * Real TLS sessions for the channel tests: the guest side runs in a forked
 * child over one end of a socketpair(AF_UNIX) (fork rather than threads
 * keeps ASan simple), the owner side in the test process. The child reports
 * back through a pipe. No mocks: both ends are the library's TLS code.
 */
#ifndef SNPBOOT_CHAN_TEST_UTIL_H
#define SNPBOOT_CHAN_TEST_UTIL_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "chan/chan_binding.h"
#include "chan/chan_frame.h"
#include "chan/chan_frame_io.h"
#include "chan/chan_io.h"
#include "chan/chan_payload.h"
#include "chan/chan_tls_client.h"
#include "chan/chan_tls_server.h"

#define IO_TIMEOUT_MS 10000 /* generous: only a hang should hit it */
#define REPORT_DATA_OFFSET 0x50

/* What the guest child tells the test. */
struct guest_result {
	int rc;                     /* 0: the whole script ran */
	char err[300];
	int got_hello;
	uint8_t binding[64];        /* REPORT_DATA the guest computed */
	uint8_t spki_sha256[32];    /* its own key fingerprint */
	int have_owner;
	uint8_t owner_sha256[32];   /* owner key seen, with pinning */
	uint8_t disk_key[64];
	size_t disk_key_len;
	char reject[128];
	char suite[48];
	long elapsed_ms;
};

enum guest_mode {
	GUEST_FULL,           /* HELLO -> EVIDENCE -> SECRETS/REJECT -> RESULT */
	GUEST_HANDSHAKE_ONLY, /* handshake, then wait for the peer to close */
};

struct guest_args {
	struct chan_tls_server *server; /* made before fork: children share the key */
	enum guest_mode mode;
	unsigned timeout_ms;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int guest_fail(struct guest_result *r, const char *what, const char *err)
{
	snprintf(r->err, sizeof(r->err), "%s%s", what, err);
	r->rc = -1;
	return -1;
}

/* The guest's side of the protocol, as /init will run it. */
static int guest_script(const struct guest_args *a, int fd, struct guest_result *r)
{
	static uint8_t payload[CHAN_EVIDENCE_MAX], report[CHAN_REPORT_LEN];
	struct chan_tls_server *s = a->server;
	struct chan_frame_decoder d;
	struct chan_io io;
	char err[300];
	uint8_t nonce[CHAN_NONCE_LEN];

	if (chan_tls_server_start(s, &io, fd, err, sizeof(err)))
		return guest_fail(r, "", err);
	chan_io_set_timeout(&io, a->timeout_ms);
	memcpy(r->spki_sha256, chan_tls_server_spki_sha256(s), 32);
	if (chan_io_handshake(&io, err, sizeof(err)))
		return guest_fail(r, "", err);
	snprintf(r->suite, sizeof(r->suite), "%s", chan_io_suite(&io));
	if (chan_tls_server_owner_sha256(s)) {
		r->have_owner = 1;
		memcpy(r->owner_sha256, chan_tls_server_owner_sha256(s), 32);
	}
	if (a->mode == GUEST_HANDSHAKE_ONLY) {
		chan_frame_decoder_init(&d, payload, sizeof(payload), 0);
		if (chan_frame_recv(&io, &d, err, sizeof(err)))
			return guest_fail(r, "", err);
		return 0;
	}

	chan_frame_decoder_init(&d, nonce, sizeof(nonce), CHAN_FRAME_BIT(CHAN_FRAME_HELLO));
	if (chan_frame_recv(&io, &d, err, sizeof(err)))
		return guest_fail(r, "", err);
	r->got_hello = 1;
	if (chan_binding_from_engine(&s->sc.eng, nonce, chan_tls_server_spki_sha256(s), r->binding, err, sizeof(err)))
		return guest_fail(r, "", err);

	/* A stand-in report: only REPORT_DATA matters to these tests. */
	memset(report, 0x5a, sizeof(report));
	memcpy(report + REPORT_DATA_OFFSET, r->binding, 64);
	struct chan_evidence ev = {.report = report, .boot_facts = "test guest\n", .boot_facts_len = 11};
	size_t n = chan_evidence_encode(payload, sizeof(payload), &ev, err, sizeof(err));
	if (!n || chan_frame_send(&io, CHAN_FRAME_EVIDENCE, payload, n, err, sizeof(err)))
		return guest_fail(r, "", err);

	chan_frame_decoder_init(&d, payload, CHAN_SECRETS_MAX,
				CHAN_FRAME_BIT(CHAN_FRAME_SECRETS) | CHAN_FRAME_BIT(CHAN_FRAME_REJECT));
	if (chan_frame_recv(&io, &d, err, sizeof(err)))
		return guest_fail(r, "", err);
	if (d.type == CHAN_FRAME_REJECT) {
		if (chan_reject_check(d.buf, d.len, err, sizeof(err)))
			return guest_fail(r, "", err);
		snprintf(r->reject, sizeof(r->reject), "%.*s", (int)d.len, (const char *)d.buf);
		chan_io_close(&io);
		return 0;
	}
	struct chan_secrets sec;
	if (chan_secrets_decode(&sec, d.buf, d.len, err, sizeof(err)))
		return guest_fail(r, "", err);
	r->disk_key_len = sec.disk_key_len < sizeof(r->disk_key) ? sec.disk_key_len : sizeof(r->disk_key);
	memcpy(r->disk_key, sec.disk_key, r->disk_key_len);
	secure_wipe(payload, d.len);
	n = chan_result_encode(payload, CHAN_RESULT_MAX, CHAN_RESULT_OK, "unlocked", err, sizeof(err));
	if (!n || chan_frame_send(&io, CHAN_FRAME_RESULT, payload, n, err, sizeof(err)))
		return guest_fail(r, "", err);
	chan_io_close(&io);
	return 0;
}

struct guest_proc {
	pid_t pid;
	int result_fd;
	int fd; /* the owner's end of the socket */
};

/* Forks the guest; the owner talks to it on g->fd. */
static int guest_spawn(struct guest_proc *g, const struct guest_args *a)
{
	int sv[2], rp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(rp))
		return -1;
	fflush(stdout);
	g->pid = fork();
	if (g->pid < 0)
		return -1;
	if (g->pid == 0) {
		struct guest_result r;
		memset(&r, 0, sizeof(r));
		close(sv[0]);
		close(rp[0]);
		alarm(30); /* a hung child must not hang the test run */
		long t0 = now_ms();
		guest_script(a, sv[1], &r);
		r.elapsed_ms = now_ms() - t0;
		close(sv[1]);
		if (write(rp[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(sv[1]);
	close(rp[1]);
	g->fd = sv[0];
	g->result_fd = rp[0];
	return 0;
}

/* Closes the owner's socket end and collects the guest's result. */
static int guest_wait(struct guest_proc *g, struct guest_result *r)
{
	size_t got = 0;
	int status = 0;
	memset(r, 0, sizeof(*r));
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	while (got < sizeof(*r)) {
		ssize_t n = read(g->result_fd, (uint8_t *)r + got, sizeof(*r) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(g->result_fd);
	waitpid(g->pid, &status, 0);
	if (got != sizeof(*r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(r->err, sizeof(r->err), "guest child died (status 0x%x)", status);
		r->rc = -2;
		return -1;
	}
	return 0;
}

/* What the owner's side saw. */
struct owner_result {
	int rc;
	char err[300];
	uint8_t binding[64];      /* recomputed from its own session view */
	uint8_t report_data[64];  /* what the evidence carried */
	uint8_t guest_sha256[32]; /* the guest key it saw */
	struct chan_result result;
	char detail[64];
	char suite[48];
};

/* When set, the owner offers only these suites (to test each PRF hash). */
static const uint16_t *owner_suites;
static size_t owner_n_suites;

static int owner_fail(struct owner_result *o, const char *err)
{
	snprintf(o->err, sizeof(o->err), "%s", err);
	o->rc = -1;
	return -1;
}

/* The owner's side: handshake, HELLO(nonce), EVIDENCE, then SECRETS with
 * key (or REJECT with reject_reason, or when REPORT_DATA does not match its
 * own view of the session: rc 1), then RESULT. */
static int owner_script(struct chan_tls_client *c, int fd, const uint8_t nonce[32], const uint8_t *key,
			size_t key_len, const char *reject_reason, struct owner_result *o)
{
	static uint8_t payload[CHAN_EVIDENCE_MAX];
	struct chan_frame_decoder d;
	struct chan_evidence ev;
	struct chan_io io;
	char err[300];

	memset(o, 0, sizeof(*o));
	if (chan_tls_client_start(c, &io, fd, err, sizeof(err)))
		return owner_fail(o, err);
	if (owner_suites) { /* the ClientHello is prepared at reset: reset again */
		br_ssl_engine_set_suites(&c->cc.eng, owner_suites, owner_n_suites);
		br_ssl_client_reset(&c->cc, NULL, 0);
	}
	chan_io_set_timeout(&io, IO_TIMEOUT_MS);
	if (chan_io_handshake(&io, err, sizeof(err)))
		return owner_fail(o, err);
	snprintf(o->suite, sizeof(o->suite), "%s", chan_io_suite(&io));
	memcpy(o->guest_sha256, chan_tls_client_guest_spki_sha256(c), 32);
	if (chan_frame_send(&io, CHAN_FRAME_HELLO, nonce, CHAN_NONCE_LEN, err, sizeof(err)))
		return owner_fail(o, err);
	chan_frame_decoder_init(&d, payload, sizeof(payload), CHAN_FRAME_BIT(CHAN_FRAME_EVIDENCE));
	if (chan_frame_recv(&io, &d, err, sizeof(err)) || chan_evidence_decode(&ev, d.buf, d.len, err, sizeof(err)))
		return owner_fail(o, err);
	memcpy(o->report_data, ev.report + REPORT_DATA_OFFSET, 64);
	if (chan_binding_from_engine(&c->cc.eng, nonce, chan_tls_client_guest_spki_sha256(c), o->binding, err,
				     sizeof(err)))
		return owner_fail(o, err);
	/* The owner's check: the report must bind this very session. */
	int bound = bytes_equal_ct(o->report_data, o->binding, 64);
	if (!bound)
		reject_reason = "REPORT_DATA does not bind this TLS session";
	if (reject_reason) {
		if (chan_frame_send(&io, CHAN_FRAME_REJECT, (const uint8_t *)reject_reason, strlen(reject_reason), err,
				    sizeof(err)))
			return owner_fail(o, err);
		chan_io_close(&io);
		if (!bound) {
			snprintf(o->err, sizeof(o->err), "%s", reject_reason);
			o->rc = 1;
		}
		return o->rc;
	}
	struct chan_secrets sec = {key, key_len};
	size_t n = chan_secrets_encode(payload, CHAN_SECRETS_MAX, &sec, err, sizeof(err));
	if (!n || chan_frame_send(&io, CHAN_FRAME_SECRETS, payload, n, err, sizeof(err)))
		return owner_fail(o, err);
	secure_wipe(payload, n);
	chan_frame_decoder_init(&d, payload, CHAN_RESULT_MAX, CHAN_FRAME_BIT(CHAN_FRAME_RESULT));
	if (chan_frame_recv(&io, &d, err, sizeof(err)) || chan_result_decode(&o->result, d.buf, d.len, err, sizeof(err)))
		return owner_fail(o, err);
	snprintf(o->detail, sizeof(o->detail), "%.*s", (int)o->result.detail_len, o->result.detail);
	chan_io_close(&io);
	return 0;
}

#endif
