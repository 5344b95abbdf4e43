/* The fake first stage's protocol over snp-sim (sim_guest.h). */
#include "sim_guest.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/bytes.h"
#include "chan/chan_binding.h"
#include "chan/chan_frame.h"
#include "chan/chan_frame_io.h"
#include "chan/chan_payload.h"
#include "simwire/sim_proto.h"

/* Reads exactly len bytes from a blocking socket. */
static int read_exact(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int sim_guest_report(const char *sock, uint32_t vmpl, const uint8_t report_data[64], uint8_t *report,
		     uint8_t *certs, size_t *certs_len, char *err, size_t err_len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(sock) >= sizeof sa.sun_path) {
		snprintf(err, err_len, "snp-sim socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, err_len, "snp-sim %s: %s", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct sim_request rq = {.vmpl = vmpl};
	memcpy(rq.report_data, report_data, 64);
	uint8_t req[SIM_REQUEST_LEN], hdr[SIM_RESPONSE_HEADER_LEN];
	sim_request_encode(req, &rq);
	struct sim_response_header h;
	const char *why = "short read";
	int rc = -1;
	if (write(fd, req, sizeof req) != (ssize_t)sizeof req || read_exact(fd, hdr, sizeof hdr) != 0 ||
	    sim_response_header_decode(&h, hdr, &why) != 0)
		snprintf(err, err_len, "snp-sim: %s", why);
	else if (h.status != SIM_OK || h.report_len != SIM_REPORT_LEN || h.certs_len > SIM_CERTS_MAX)
		snprintf(err, err_len, "snp-sim answered status %u (report %u bytes, certificates %u)", h.status,
			 h.report_len, h.certs_len);
	else if (read_exact(fd, report, SIM_REPORT_LEN) != 0 || read_exact(fd, certs, h.certs_len) != 0)
		snprintf(err, err_len, "snp-sim: short response");
	else {
		*certs_len = h.certs_len;
		rc = 0;
	}
	close(fd);
	return rc;
}

/* HELLO in, EVIDENCE out. 0, or -1 with err. */
static int send_evidence(struct chan_tls_server *s, struct chan_io *io, const char *sock, uint32_t vmpl, FILE *log,
			 uint8_t *frame, struct sim_guest_outcome *out, char *err, size_t err_len)
{
	/* Static: a report and a certificate table are too big for a guest's stack. */
	static uint8_t report[SIM_REPORT_LEN], certs[SIM_CERTS_MAX];
	uint8_t nonce[CHAN_NONCE_LEN], report_data[CHAN_REPORT_DATA_LEN];
	size_t certs_len = 0;
	struct chan_frame_decoder d;
	chan_frame_decoder_init(&d, frame, CHAN_EVIDENCE_MAX, CHAN_FRAME_BIT(CHAN_FRAME_HELLO));
	if (chan_frame_recv(io, &d, err, err_len) != 0)
		return -1;
	memcpy(nonce, d.buf, sizeof nonce);
	if (chan_binding_from_engine(&s->sc.eng, nonce, chan_tls_server_spki_sha256(s), report_data, err, err_len) != 0 ||
	    sim_guest_report(sock, vmpl, report_data, report, certs, &certs_len, err, err_len) != 0)
		return -1;
	memcpy(out->report_id, report + 0x140, sizeof out->report_id);
	if (log) {
		char hex[65];
		hex_encode(hex, out->report_id, sizeof out->report_id);
		fprintf(log, "report-id %s\n", hex);
		fflush(log);
	}
	static const char facts[] = "fake guest: snpboot chan-selftest --attest-sim";
	struct chan_evidence ev = {.report = report,
				   .cert_table = certs_len ? certs : NULL,
				   .cert_table_len = certs_len,
				   .boot_facts = facts,
				   .boot_facts_len = sizeof facts - 1};
	size_t len = chan_evidence_encode(frame, CHAN_EVIDENCE_MAX, &ev, err, err_len);
	if (len == 0 || chan_frame_send(io, CHAN_FRAME_EVIDENCE, frame, len, err, err_len) != 0)
		return -1;
	return 0;
}

enum sim_guest_end sim_guest_session(struct chan_tls_server *s, struct chan_io *io, const char *sock, uint32_t vmpl,
				     unsigned hold_ms, FILE *log, struct sim_guest_outcome *out, char *err,
				     size_t err_len)
{
	static uint8_t frame[CHAN_EVIDENCE_MAX];
	memset(out, 0, sizeof *out);
	if (send_evidence(s, io, sock, vmpl, log, frame, out, err, err_len) != 0)
		return SIM_GUEST_FAILED;
	struct chan_frame_decoder d;
	chan_frame_decoder_init(&d, frame, sizeof frame,
				CHAN_FRAME_BIT(CHAN_FRAME_SECRETS) | CHAN_FRAME_BIT(CHAN_FRAME_REJECT));
	if (chan_frame_recv(io, &d, err, err_len) != 0)
		return SIM_GUEST_FAILED;
	if (d.type == CHAN_FRAME_REJECT) {
		snprintf(out->refusal, sizeof out->refusal, "%.*s", (int)(d.len > 300 ? 300 : d.len), (const char *)d.buf);
		snprintf(err, err_len, "the owner refused");
		return SIM_GUEST_REFUSED;
	}
	struct chan_secrets sec;
	int rc = chan_secrets_decode(&sec, d.buf, d.len, err, err_len);
	out->key_len = rc == 0 ? sec.disk_key_len : 0;
	secure_wipe(frame, sizeof frame);
	if (rc != 0)
		return SIM_GUEST_FAILED;
	if (log) {
		fprintf(log, "disk key received %zu bytes\n", out->key_len);
		fflush(log);
	}
	if (hold_ms)
		(void)poll(NULL, 0, (int)hold_ms);
	size_t len = chan_result_encode(frame, sizeof frame, CHAN_RESULT_OK, "unlocked (chan-selftest: nothing unlocked)",
					err, err_len);
	if (len == 0 || chan_frame_send(io, CHAN_FRAME_RESULT, frame, len, err, err_len) != 0)
		return SIM_GUEST_FAILED;
	chan_io_close(io);
	return SIM_GUEST_KEY;
}
