/*
 * The guest's end of the attested channel: a BearSSL TLS server with the
 * channel policy (chan_tls_policy.h) and a fresh P-384 key and self-signed
 * certificate made at init. Optional owner pinning: with fingerprints
 * given, the server requests a client certificate and accepts only one
 * whose SHA-256(SPKI) is listed (no certificate: handshake refused).
 *
 * All storage is in the struct (about 40 KiB with the record buffers), for
 * the guest to keep in static memory. chan_tls_server_wipe must be called
 * when done: it wipes the private key and the buffers that held secrets.
 */
#ifndef SNPBOOT_CHAN_TLS_SERVER_H
#define SNPBOOT_CHAN_TLS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "chan_io.h"
#include "chan_peer.h"
#include "selfcert.h"

#define CHAN_GUEST_CN "snpboot guest (ephemeral, attested)"

struct chan_tls_server {
	br_ssl_server_context sc;
	struct selfcert cert;       /* the guest key: never leaves this struct */
	struct chan_peer owner;     /* checks the owner's certificate when pinning */
	br_x500_name owner_dn;      /* named in the CertificateRequest */
	uint8_t iobuf[BR_SSL_BUFSIZE_BIDI];
};

/*
 * Makes the key and certificate and configures the server.
 * owner_pins: n_pins SHA-256 fingerprints of owner SubjectPublicKeyInfos,
 * 32 bytes each back to back (n_pins 0: no client certificate asked).
 * Returns 0, or -1 with err.
 */
int chan_tls_server_init(struct chan_tls_server *s, const uint8_t *owner_pins, size_t n_pins, char *err,
			 size_t err_len);

/*
 * Prepares a new connection on fd (a connected socket) with the same key:
 * resets the engine and fills io. Returns 0, or -1 with err.
 */
int chan_tls_server_start(struct chan_tls_server *s, struct chan_io *io, int fd, char *err, size_t err_len);

/* Ends a connection: wipes the TLS engine (master secret, record keys) and
 * the record buffers (plaintext, e.g. the disk key); keeps the guest key for
 * another connection. chan_tls_server_start does this first anyway. */
void chan_tls_server_end_session(struct chan_tls_server *s);

/* SHA-256 of the guest's SubjectPublicKeyInfo (what REPORT_DATA binds). */
const uint8_t *chan_tls_server_spki_sha256(const struct chan_tls_server *s);

/* After a handshake with pinning: the fingerprint of the owner key that
 * connected, or NULL when pinning is off. */
const uint8_t *chan_tls_server_owner_sha256(const struct chan_tls_server *s);

/* Wipes the private key, the TLS state and the record buffers. */
void chan_tls_server_wipe(struct chan_tls_server *s);

#endif
