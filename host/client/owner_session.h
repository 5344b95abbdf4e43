/* One attested-channel session from the owner's side, over a connected
 * socket, whoever dialled: the TLS handshake (the owner is the TLS client),
 * the HELLO nonce, the guest's EVIDENCE and the REPORT_DATA it must bind,
 * then either a REJECT or the disk key and the guest's RESULT. The owner's
 * decision in between (owner_verify.h) is the caller's. Shared by
 * `snpboot client` (one session) and `snpboot broker` (one per guest
 * connection, each in its own worker). All state is in the struct: no
 * statics, so a process can hold several. */
#ifndef SNPBOOT_HOST_OWNER_SESSION_H
#define SNPBOOT_HOST_OWNER_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "chan/chan_binding.h"
#include "chan/chan_frame.h"
#include "chan/chan_io.h"
#include "chan/chan_payload.h"
#include "chan/chan_tls_client.h"

struct owner_session {
	struct chan_tls_client *tls; /* set up by the caller (chan_tls_client_init, with its owner key) */
	struct chan_io io;
	int fd;
	uint8_t nonce[CHAN_NONCE_LEN];
	uint8_t frame[CHAN_EVIDENCE_MAX]; /* the EVIDENCE payload, later the SECRETS and RESULT frames */
	size_t frame_len;
	struct chan_evidence ev;          /* points into frame (valid until the key is sent) */
	uint8_t report[CHAN_REPORT_LEN];  /* a copy of ev.report that outlives frame */
	/* What the report's REPORT_DATA must be: the session binding, and under an
	 * SVSM's service attestation SHA-512(binding || manifest) (chan_binding.h). */
	uint8_t report_data[CHAN_REPORT_DATA_LEN];
};

/* The TLS handshake on fd (the session owns fd from here: owner_session_end
 * closes it), everything bounded by timeout_ms. 0, or -1 with err; then
 * s->io.received says whether the peer said anything at all. */
int owner_session_handshake(struct owner_session *s, struct chan_tls_client *tls, int fd, unsigned timeout_ms,
			    char *err, size_t err_len);
/* Sends a fresh HELLO nonce, receives and decodes the EVIDENCE, computes the
 * REPORT_DATA it must carry. 0, or -1 with err. */
int owner_session_evidence(struct owner_session *s, unsigned timeout_ms, char *err, size_t err_len);
/* Tells the guest why nothing is coming (cut to CHAN_REJECT_MAX). Best effort. */
void owner_session_reject(struct owner_session *s, const char *why);
/* Sends the disk key (only into this session) and waits up to timeout_ms for
 * the guest's RESULT; detail gets its text. The key's copies in the session
 * are wiped. 0 with *result, or -1 with err (the key may or may not have
 * reached the guest). */
int owner_session_release(struct owner_session *s, const uint8_t *key, size_t key_len, unsigned timeout_ms,
			  struct chan_result *result, char detail[CHAN_RESULT_DETAIL_MAX + 1], char *err,
			  size_t err_len);
/* close_notify (best effort), closes the socket, wipes the TLS state. */
void owner_session_end(struct owner_session *s);

#endif
