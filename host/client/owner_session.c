/* The owner's side of one attested-channel session (owner_session.h). */
#include "owner_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/bytes.h"
#include "chan/chan_frame_io.h"

int owner_session_handshake(struct owner_session *s, struct chan_tls_client *tls, int fd, unsigned timeout_ms,
			    char *err, size_t err_len)
{
	s->tls = tls;
	s->fd = fd;
	s->frame_len = 0;
	if (chan_tls_client_start(tls, &s->io, fd, err, err_len) != 0)
		return -1;
	chan_io_set_timeout(&s->io, timeout_ms);
	return chan_io_handshake(&s->io, err, err_len);
}

int owner_session_evidence(struct owner_session *s, unsigned timeout_ms, char *err, size_t err_len)
{
	if (getrandom(s->nonce, sizeof s->nonce, 0) != (ssize_t)sizeof s->nonce) {
		snprintf(err, err_len, "getrandom: %s", strerror(errno));
		return -1;
	}
	chan_io_set_timeout(&s->io, timeout_ms);
	if (chan_frame_send(&s->io, CHAN_FRAME_HELLO, s->nonce, sizeof s->nonce, err, err_len) != 0)
		return -1;
	struct chan_frame_decoder d;
	chan_frame_decoder_init(&d, s->frame, sizeof s->frame, CHAN_FRAME_BIT(CHAN_FRAME_EVIDENCE));
	if (chan_frame_recv(&s->io, &d, err, err_len) != 0)
		return -1;
	s->frame_len = d.len;
	if (chan_evidence_decode(&s->ev, d.buf, d.len, err, err_len) != 0)
		return -1;
	memcpy(s->report, s->ev.report, sizeof s->report);
	if (chan_binding_from_engine(&s->tls->cc.eng, s->nonce, chan_tls_client_guest_spki_sha256(s->tls),
				     s->report_data, err, err_len) != 0)
		return -1;
	/* Whether a manifest may or must come at all is the verifier's check. */
	if (s->ev.has_manifest)
		chan_binding_svsm(s->report_data, s->ev.manifest, s->ev.manifest_len, s->report_data);
	return 0;
}

void owner_session_reject(struct owner_session *s, const char *why)
{
	char err[256];
	size_t n = strlen(why);
	if (n > CHAN_REJECT_MAX)
		n = CHAN_REJECT_MAX;
	(void)chan_frame_send(&s->io, CHAN_FRAME_REJECT, (const uint8_t *)why, n, err, sizeof err);
}

int owner_session_release(struct owner_session *s, const uint8_t *key, size_t key_len, unsigned timeout_ms,
			  struct chan_result *result, char detail[CHAN_RESULT_DETAIL_MAX + 1], char *err,
			  size_t err_len)
{
	struct chan_secrets secrets = {.disk_key = key, .disk_key_len = key_len};
	chan_io_set_timeout(&s->io, timeout_ms);
	/* The evidence in frame is no longer needed: frame now carries the key. */
	s->ev.report = s->report;
	s->ev.cert_table = NULL;
	s->ev.boot_facts = NULL;
	s->ev.manifest = NULL;
	size_t len = chan_secrets_encode(s->frame, sizeof s->frame, &secrets, err, err_len);
	int sent = len && chan_frame_send(&s->io, CHAN_FRAME_SECRETS, s->frame, len, err, err_len) == 0;
	secure_wipe(s->frame, sizeof s->frame);
	if (!sent)
		return -1;
	struct chan_frame_decoder d;
	chan_frame_decoder_init(&d, s->frame, sizeof s->frame, CHAN_FRAME_BIT(CHAN_FRAME_RESULT));
	if (chan_frame_recv(&s->io, &d, err, err_len) != 0 || chan_result_decode(result, d.buf, d.len, err, err_len) != 0)
		return -1;
	snprintf(detail, CHAN_RESULT_DETAIL_MAX + 1, "%.*s", (int)result->detail_len, result->detail);
	result->detail = NULL; /* it pointed into frame */
	return 0;
}

void owner_session_end(struct owner_session *s)
{
	if (s->fd >= 0) {
		chan_io_close(&s->io);
		close(s->fd);
	}
	s->fd = -1;
	if (s->tls)
		chan_tls_client_end_session(s->tls);
}
