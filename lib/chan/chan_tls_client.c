/* Owner-side TLS client setup; see chan_tls_client.h. */
#include "chan_tls_client.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "chan_tls_err.h"
#include "chan_tls_policy.h"

static void configure(struct chan_tls_client *c)
{
	br_ssl_client_zero(&c->cc);
	chan_tls_policy_apply(&c->cc.eng);
	/*
	 * NO CERTIFICATE CHAIN VALIDATION, ON PURPOSE. The guest's certificate
	 * is self-signed and made at boot; chan_peer only takes its P-384 key.
	 * The guest is authenticated by the attestation report: its
	 * REPORT_DATA must equal chan_binding_from_engine() over this
	 * session's exporter and SHA-256 of this very key, and the owner sends
	 * nothing but the HELLO nonce until that has been checked. See
	 * chan_peer.h and chan_binding.h.
	 */
	br_ssl_engine_set_x509(&c->cc.eng, &c->guest.vtable);
	if (c->owner)
		br_ssl_client_set_single_ec(&c->cc, &c->owner->chain, 1, &c->owner->sk, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
					    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
	br_ssl_engine_set_buffer(&c->cc.eng, c->iobuf, sizeof(c->iobuf), 1);
}

int chan_tls_client_init(struct chan_tls_client *c, const struct selfcert *owner, char *err, size_t err_len)
{
	memset(c, 0, sizeof(*c));
	if (owner && !owner->der_len) {
		snprintf(err, err_len, "owner key: no certificate made for it");
		return -1;
	}
	c->owner = owner;
	/* No pins: any P-384 key is taken and remembered; the attestation
	 * report decides whether it is the guest's (chan_peer.h). */
	chan_peer_init(&c->guest, "server", NULL, 0);
	configure(c);
	return 0;
}

void chan_tls_client_end_session(struct chan_tls_client *c)
{
	secure_wipe(&c->cc, sizeof(c->cc));
	secure_wipe(c->iobuf, sizeof(c->iobuf));
	c->guest.have_key = 0;
	c->guest.err[0] = '\0';
	configure(c);
}

int chan_tls_client_start(struct chan_tls_client *c, struct chan_io *io, int fd, char *err, size_t err_len)
{
	chan_tls_client_end_session(c);
	if (!br_ssl_client_reset(&c->cc, NULL, 0)) {
		char why[160];
		chan_tls_describe(br_ssl_engine_last_error(&c->cc.eng), why, sizeof(why));
		snprintf(err, err_len, "TLS client reset failed: %s", why);
		return -1;
	}
	chan_io_init(io, &c->cc.eng, fd, c->guest.err);
	return 0;
}

const uint8_t *chan_tls_client_guest_spki(const struct chan_tls_client *c, size_t *len)
{
	if (!c->guest.have_key)
		return NULL;
	if (len)
		*len = c->guest.spki_len;
	return c->guest.spki;
}

const uint8_t *chan_tls_client_guest_spki_sha256(const struct chan_tls_client *c)
{
	return c->guest.have_key ? c->guest.spki_sha256 : NULL;
}

void chan_tls_client_wipe(struct chan_tls_client *c) { secure_wipe(c, sizeof(*c)); }
