/* Production key source: the attested channel (DESIGN.md "The attested
 * channel"). The guest is always the TLS server, with a P-384 key made at this
 * boot; it either listens for the owner or dials the owner's address. After
 * the handshake the owner sends a nonce, the guest asks the platform for a
 * report whose REPORT_DATA binds this TLS session and its own key, sends the
 * evidence, and receives either the disk key or the owner's refusal. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "attest.h"
#include "base/bytes.h"
#include "chan/chan_binding.h"
#include "chan/chan_frame.h"
#include "chan/chan_frame_io.h"
#include "chan/chan_io.h"
#include "chan/chan_payload.h"
#include "chan/chan_tls_server.h"
#include "clock.h"
#include "keysource.h"
#include "log.h"
#include "timeline.h"

#define STEP_TIMEOUT_MS 30000 /* each protocol step once a connection is up */
/* The owner's decision (verifying, maybe fetching certificates and a CRL
 * from AMD KDS for the first time) may take longer than a step; the guest
 * must not drop a session the owner is about to complete. */
#define OWNER_DECISION_TIMEOUT_MS 180000
#define RETRY_PAUSE_MS 1000

/* Large buffers are static: PID 1 keeps a small stack. */
static struct chan_tls_server server;
static int server_ready;
static struct chan_io io;
static int conn_fd = -1;
static int listen_fd = -1;
static struct attest_evidence evidence;
static uint8_t frame_buf[CHAN_EVIDENCE_MAX];

const char *keysource_name(void) { return "attested channel"; }

static void close_connection(void)
{
	if (conn_fd >= 0) {
		chan_tls_server_end_session(&server); /* wipes session keys and record buffers */
		close(conn_fd);
		conn_fd = -1;
	}
	secure_wipe(frame_buf, sizeof frame_buf);
}

static int open_listener(const struct boot_config *cfg, char *err, size_t err_len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->channel.listen_port)};
	int one = 1;
	if (listen_fd >= 0)
		return 0;
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0 || setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(listen_fd, 1) != 0) {
		snprintf(err, err_len, "listen on port %u: %s", cfg->channel.listen_port, strerror(errno));
		if (listen_fd >= 0)
			close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	log_info("channel: listening on port %u for the owner", cfg->channel.listen_port);
	return 0;
}

/* Waits for the owner (listen mode) or reaches it (connect mode) until deadline. */
static int open_connection(const struct boot_config *cfg, uint64_t deadline, char *err, size_t err_len)
{
	if (cfg->channel.mode == CHANNEL_LISTEN) {
		if (open_listener(cfg, err, err_len) != 0)
			return -1;
		for (;;) {
			uint64_t now = boottime_ms();
			if (now >= deadline) {
				snprintf(err, err_len, "no owner connected within %u s", cfg->channel.deadline_s);
				return -1;
			}
			struct pollfd p = {.fd = listen_fd, .events = POLLIN};
			uint64_t left = deadline - now;
			int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
			if (r < 0 && errno != EINTR) {
				snprintf(err, err_len, "poll: %s", strerror(errno));
				return -1;
			}
			if (r <= 0)
				continue;
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				/* Blocking I/O with chan_io's own deadlines from here on. */
				int flags = fcntl(fd, F_GETFL);
				if (flags >= 0)
					fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
				return fd;
			}
		}
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->channel.owner_port),
				 .sin_addr.s_addr = cfg->channel.owner_ip};
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, err_len, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			log_info("channel: connected to the owner at %s:%u", ip, cfg->channel.owner_port);
			return fd;
		}
		int saved = errno;
		close(fd);
		if (boottime_ms() + RETRY_PAUSE_MS >= deadline) {
			snprintf(err, err_len, "cannot reach the owner at %s:%u within %u s: %s", ip,
				 cfg->channel.owner_port, cfg->channel.deadline_s, strerror(saved));
			return -1;
		}
		sleep_ms(RETRY_PAUSE_MS);
	}
}

/* What the owner may want to know beyond the report; printable ASCII only. */
static size_t boot_facts(char *out, size_t cap)
{
	struct utsname u;
	if (uname(&u) != 0)
		strcpy(u.release, "unknown");
	int n = snprintf(out, cap, "snpboot-init=0.1.0\nkernel=%s\nprovider=%s\n", u.release, evidence.provider);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* 1 if buf is 1..len bytes of printable ASCII (no control characters). */
static int printable_text(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return 0;
	return 1;
}

static int run_session(const struct boot_config *cfg, struct disk_key *key, uint64_t *owner_wait_ms, char *err,
		       size_t err_len)
{
	struct chan_frame_decoder d;
	uint8_t nonce[CHAN_NONCE_LEN], report_data[CHAN_REPORT_DATA_LEN];
	if (chan_tls_server_start(&server, &io, conn_fd, err, err_len) != 0)
		return -1;
	chan_io_set_timeout(&io, STEP_TIMEOUT_MS);
	if (chan_io_handshake(&io, err, err_len) != 0)
		return -1;
	log_info("channel: TLS up (%s)%s", chan_io_suite(&io),
		 chan_tls_server_owner_sha256(&server) ? ", owner key pinned and matched" : "");

	chan_frame_decoder_init(&d, frame_buf, sizeof frame_buf, CHAN_FRAME_BIT(CHAN_FRAME_HELLO));
	if (chan_frame_recv(&io, &d, err, err_len) != 0)
		return -1;
	memcpy(nonce, d.buf, sizeof nonce);
	if (chan_binding_from_engine(&server.sc.eng, nonce, chan_tls_server_spki_sha256(&server), report_data, err,
				     err_len) != 0)
		return -1;
	if (attest_get_report(cfg, report_data, cfg->attestation.vmpl, &evidence, err, err_len) != 0)
		return -1;
	char facts[256];
	struct chan_evidence ev = {.report = evidence.report,
				   .cert_table = evidence.certs_len ? evidence.certs : NULL,
				   .cert_table_len = evidence.certs_len,
				   .boot_facts = facts,
				   .boot_facts_len = boot_facts(facts, sizeof facts),
				   .has_manifest = evidence.has_manifest,
				   .manifest = evidence.manifest,
				   .manifest_len = evidence.manifest_len};
	size_t len = chan_evidence_encode(frame_buf, sizeof frame_buf, &ev, err, err_len);
	if (len == 0 || chan_frame_send(&io, CHAN_FRAME_EVIDENCE, frame_buf, len, err, err_len) != 0)
		return -1;
	log_info("channel: evidence sent (report from %s, %zu bytes of certificates%s); waiting for the owner",
		 evidence.provider, evidence.certs_len, evidence.has_manifest ? ", the SVSM's service manifest" : "");

	/* The owner now checks the evidence (and may fetch certificates): that is
	 * the owner's time, not ours, in the timeline. */
	uint64_t wait_start = boottime_ms();
	chan_frame_decoder_init(&d, frame_buf, sizeof frame_buf,
				CHAN_FRAME_BIT(CHAN_FRAME_SECRETS) | CHAN_FRAME_BIT(CHAN_FRAME_REJECT));
	chan_io_set_timeout(&io, OWNER_DECISION_TIMEOUT_MS);
	int rc = chan_frame_recv(&io, &d, err, err_len);
	chan_io_set_timeout(&io, STEP_TIMEOUT_MS);
	*owner_wait_ms += boottime_ms() - wait_start;
	if (rc != 0)
		return -1;
	if (d.type == CHAN_FRAME_REJECT) {
		/* The reason is the peer's text: logged only if it is plain printable
		 * text, so a peer cannot forge console or kmsg lines (which `snpboot
		 * timeline` parses) with newlines, escapes or log prefixes. */
		if (printable_text(d.buf, d.len))
			snprintf(err, err_len, "the owner refused the attestation: %.*s", (int)(d.len > 200 ? 200 : d.len),
				 (const char *)d.buf);
		else
			snprintf(err, err_len, "the owner refused the attestation (its %zu-byte reason is not printable "
					       "text; not shown)", d.len);
		return -1;
	}
	struct chan_secrets secrets;
	if (chan_secrets_decode(&secrets, d.buf, d.len, err, err_len) != 0)
		return -1;
	if (secrets.disk_key_len > sizeof key->bytes) {
		snprintf(err, err_len, "disk key of %zu bytes is too long", secrets.disk_key_len);
		return -1;
	}
	memcpy(key->bytes, secrets.disk_key, secrets.disk_key_len);
	key->len = secrets.disk_key_len;
	secure_wipe(frame_buf, d.len);
	return 0;
}

int keysource_obtain(const struct boot_config *cfg, const struct net_state *net, struct disk_key *key, char *err,
		     size_t err_len)
{
	(void)net;
	key->len = 0;
	/* bootcfg refuses such a configuration already; a second line of defence
	 * costs nothing: the channel never opens to an unpinned peer. */
	if (cfg->channel.owner_key_count == 0) {
		snprintf(err, err_len, "refusing to open the channel: no owner key is pinned (channel.owner_key_sha256)");
		return -1;
	}
	if (!server_ready) {
		if (chan_tls_server_init(&server, cfg->channel.owner_key_count ? &cfg->channel.owner_keys[0][0] : NULL,
					 cfg->channel.owner_key_count, err, err_len) != 0)
			return -1;
		char fp[65];
		hex_encode(fp, chan_tls_server_spki_sha256(&server), 32);
		log_notice("channel: guest key made for this boot, SPKI SHA-256 %s", fp);
		server_ready = 1;
	}
	uint64_t deadline = boottime_ms() + (uint64_t)cfg->channel.deadline_s * 1000;
	for (;;) {
		uint64_t wait_start = boottime_ms();
		conn_fd = open_connection(cfg, deadline, err, err_len);
		if (conn_fd < 0)
			return -1;
		uint64_t owner_wait = boottime_ms() - wait_start;
		int rc = run_session(cfg, key, &owner_wait, err, err_len);
		timeline_note_wait(owner_wait);
		if (rc == 0)
			return 0; /* the connection stays open for keysource_report */
		log_warn("channel: %s", err);
		secure_wipe(key, sizeof *key);
		close_connection();
		if (boottime_ms() + RETRY_PAUSE_MS >= deadline) {
			snprintf(err, err_len, "no usable owner session within %u s", cfg->channel.deadline_s);
			return -1;
		}
		sleep_ms(RETRY_PAUSE_MS);
	}
}

void keysource_report(enum keysource_outcome outcome, const char *detail)
{
	char err[200];
	uint8_t buf[CHAN_RESULT_MAX];
	if (conn_fd < 0)
		return;
	unsigned status = outcome == KEYSOURCE_OK ? CHAN_RESULT_OK
			  : outcome == KEYSOURCE_RETRY ? CHAN_RESULT_RETRY
						       : CHAN_RESULT_FAILED;
	size_t len = chan_result_encode(buf, sizeof buf, status, outcome == KEYSOURCE_OK ? "root unlocked" : detail,
					err, sizeof err);
	if (len == 0 || chan_frame_send(&io, CHAN_FRAME_RESULT, buf, len, err, sizeof err) != 0)
		log_warn("channel: could not send the result to the owner: %s", err);
	else
		chan_io_close(&io);
	close_connection();
}
