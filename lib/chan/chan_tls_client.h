/*
 * The owner's end of the attested channel: a BearSSL TLS client with the
 * channel policy (chan_tls_policy.h) that does NOT validate the guest's
 * certificate against any CA — see chan_peer.h for why that is right here:
 * the guest is authenticated by the attestation report binding
 * SHA-256(guest SPKI) and this session's TLS exporter (chan_binding.h),
 * which the owner must check before sending anything but the HELLO nonce.
 *
 * With an owner key (for guests that pin owner keys), the client presents
 * it in a self-signed certificate when asked.
 */
#ifndef SNPBOOT_CHAN_TLS_CLIENT_H
#define SNPBOOT_CHAN_TLS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "chan_io.h"
#include "chan_peer.h"
#include "selfcert.h"

struct chan_tls_client {
	br_ssl_client_context cc;
	struct chan_peer guest;  /* the guest's key, as seen in this session */
	const struct selfcert *owner;
	uint8_t iobuf[BR_SSL_BUFSIZE_BIDI];
};

/*
 * Configures the client. owner: key and certificate to present if the
 * guest asks for one (NULL: none); it must outlive the connection.
 * Returns 0, or -1 with err.
 */
int chan_tls_client_init(struct chan_tls_client *c, const struct selfcert *owner, char *err, size_t err_len);

/* Prepares a connection on fd (a connected socket) and fills io. No SNI is
 * sent and no session is resumed. Returns 0, or -1 with err. */
int chan_tls_client_start(struct chan_tls_client *c, struct chan_io *io, int fd, char *err, size_t err_len);

/* Ends a connection: wipes the TLS engine and record buffers (they held the
 * disk key). chan_tls_client_start does this first anyway. */
void chan_tls_client_end_session(struct chan_tls_client *c);

/* After chan_io_handshake succeeded: the guest's SubjectPublicKeyInfo and
 * its SHA-256 (what REPORT_DATA must bind); NULL before. */
const uint8_t *chan_tls_client_guest_spki(const struct chan_tls_client *c, size_t *len);
const uint8_t *chan_tls_client_guest_spki_sha256(const struct chan_tls_client *c);

/* Wipes the TLS state and record buffers (they held the disk key). */
void chan_tls_client_wipe(struct chan_tls_client *c);

#endif
