/* Guest-side TLS server setup; see chan_tls_server.h. */
#include "chan_tls_server.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "chan_tls_err.h"
#include "chan_tls_policy.h"

/* DER of the Name "CN=snpboot owner": the CertificateRequest must name at
 * least one acceptable issuer; clients (BearSSL, OpenSSL) send their one
 * certificate regardless, and only its key fingerprint is checked. */
static const uint8_t owner_dn_der[] = {
	0x30, 0x18, 0x31, 0x16, 0x30, 0x14, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0d,
	's',  'n',  'p',  'b',  'o',  'o',  't',  ' ',  'o',  'w',  'n',  'e',  'r',
};

/* Sets up the TLS context from scratch around the existing key. */
static void configure(struct chan_tls_server *s)
{
	br_ssl_server_zero(&s->sc);
	chan_tls_policy_apply(&s->sc.eng);
	/* Signing only (ECDHE_ECDSA); BR_KEYTYPE_KEYX would allow static ECDH. */
	br_ssl_server_set_single_ec(&s->sc, &s->cert.chain, 1, &s->cert.sk, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
				    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
	if (s->owner.n_pins) {
		s->owner_dn.data = (unsigned char *)(uintptr_t)owner_dn_der; /* BearSSL only reads it */
		s->owner_dn.len = sizeof(owner_dn_der);
		br_ssl_server_set_trust_anchor_names(&s->sc, &s->owner_dn, 1);
		br_ssl_engine_set_x509(&s->sc.eng, &s->owner.vtable);
	}
	br_ssl_engine_set_buffer(&s->sc.eng, s->iobuf, sizeof(s->iobuf), 1);
	/* No session cache is set: a client cannot resume, every connection
	 * is a full handshake. */
}

int chan_tls_server_init(struct chan_tls_server *s, const uint8_t *owner_pins, size_t n_pins, char *err,
			 size_t err_len)
{
	memset(s, 0, sizeof(*s));
	if (chan_peer_init(&s->owner, "client", owner_pins, n_pins)) {
		snprintf(err, err_len, "owner pinning: %s", s->owner.err);
		return -1;
	}
	if (selfcert_generate(&s->cert, CHAN_GUEST_CN, SELFCERT_NOT_BEFORE_ANY, SELFCERT_NOT_AFTER_NEVER, err,
			      err_len))
		return -1;
	configure(s);
	return 0;
}

void chan_tls_server_end_session(struct chan_tls_server *s)
{
	/* The whole engine, not just the buffers: it holds the master secret
	 * and the record keys. The configuration is rebuilt around the key. */
	secure_wipe(&s->sc, sizeof(s->sc));
	secure_wipe(s->iobuf, sizeof(s->iobuf));
	s->owner.have_key = 0;
	s->owner.err[0] = '\0';
	configure(s);
}

int chan_tls_server_start(struct chan_tls_server *s, struct chan_io *io, int fd, char *err, size_t err_len)
{
	chan_tls_server_end_session(s); /* nothing of a previous connection stays */
	if (!br_ssl_server_reset(&s->sc)) {
		char why[160];
		chan_tls_describe(br_ssl_engine_last_error(&s->sc.eng), why, sizeof(why));
		snprintf(err, err_len, "TLS server reset failed: %s", why);
		return -1;
	}
	chan_io_init(io, &s->sc.eng, fd, s->owner.n_pins ? s->owner.err : NULL);
	return 0;
}

const uint8_t *chan_tls_server_spki_sha256(const struct chan_tls_server *s) { return s->cert.spki_sha256; }

const uint8_t *chan_tls_server_owner_sha256(const struct chan_tls_server *s)
{
	return s->owner.n_pins && s->owner.have_key ? s->owner.spki_sha256 : NULL;
}

void chan_tls_server_wipe(struct chan_tls_server *s) { secure_wipe(s, sizeof(*s)); }
