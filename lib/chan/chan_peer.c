/* The channel's br_x509_class: peer key extraction and fingerprint pinning
 * (why no chain validation: see chan_peer.h). */
#include "chan_peer.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "selfcert.h"

static struct chan_peer *self(const br_x509_class **ctx) { return (struct chan_peer *)(void *)ctx; }

static void peer_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct chan_peer *p = self(ctx);
	(void)server_name; /* the guest has no name: its identity is the attested key */
	p->cert_len = 0;
	p->n_certs = 0;
	p->too_big = 0;
	p->have_key = 0;
	p->spki_len = 0;
	p->err[0] = '\0';
}

static void peer_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct chan_peer *p = self(ctx);
	p->n_certs++;
	if (p->n_certs == 1 && length > sizeof(p->cert))
		p->too_big = 1;
}

static void peer_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct chan_peer *p = self(ctx);
	/* Only the first certificate (the end entity) matters; the rest of a
	 * chain, if a peer sends one, is not looked at. */
	if (p->n_certs != 1 || p->too_big)
		return;
	if (len > sizeof(p->cert) - p->cert_len) {
		p->too_big = 1;
		return;
	}
	memcpy(p->cert + p->cert_len, buf, len);
	p->cert_len += len;
}

static void peer_end_cert(const br_x509_class **ctx) { (void)ctx; }

static int pinned(const struct chan_peer *p)
{
	int found = 0;
	for (size_t i = 0; i < p->n_pins; i++)
		found |= bytes_equal_ct(p->pins[i], p->spki_sha256, 32);
	return found;
}

static unsigned peer_end_chain(const br_x509_class **ctx)
{
	struct chan_peer *p = self(ctx);
	struct chan_cert_key key;
	char why[160];

	if (p->n_certs == 0) {
		snprintf(p->err, sizeof(p->err), "the %s sent no certificate", p->role);
		return BR_ERR_X509_EMPTY_CHAIN;
	}
	if (p->too_big) {
		snprintf(p->err, sizeof(p->err), "the %s's certificate is larger than %d bytes", p->role,
			 CHAN_PEER_MAX_CERT);
		return BR_ERR_X509_LIMIT_EXCEEDED;
	}
	if (chan_cert_p384_key(p->cert, p->cert_len, &key, why, sizeof(why))) {
		snprintf(p->err, sizeof(p->err), "the %s's certificate: %s", p->role, why);
		return BR_ERR_X509_WRONG_KEY_TYPE;
	}
	memcpy(p->spki, key.spki, key.spki_len);
	p->spki_len = key.spki_len;
	selfcert_sha256(p->spki, p->spki_len, p->spki_sha256);
	if (p->n_pins && !pinned(p)) {
		char hex[65];
		hex_encode(hex, p->spki_sha256, 32);
		snprintf(p->err, sizeof(p->err), "the %s's key (SPKI SHA-256 %s) is not one of the %zu pinned keys",
			 p->role, hex, p->n_pins);
		return BR_ERR_X509_NOT_TRUSTED;
	}
	memcpy(p->q, key.q, sizeof(p->q));
	p->pkey.key_type = BR_KEYTYPE_EC;
	p->pkey.key.ec.curve = BR_EC_secp384r1;
	p->pkey.key.ec.q = p->q;
	p->pkey.key.ec.qlen = sizeof(p->q);
	p->have_key = 1;
	return 0;
}

static const br_x509_pkey *peer_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct chan_peer *p = (const struct chan_peer *)(const void *)ctx;
	if (!p->have_key)
		return NULL;
	/* Signatures only: ECDHE_ECDSA for the server, CertificateVerify for
	 * the client; never static ECDH. */
	if (usages)
		*usages = BR_KEYTYPE_SIGN;
	return &p->pkey;
}

static const br_x509_class chan_peer_vtable = {
	sizeof(struct chan_peer), peer_start_chain, peer_start_cert, peer_append,
	peer_end_cert,            peer_end_chain,   peer_get_pkey,
};

int chan_peer_init(struct chan_peer *p, const char *role, const uint8_t *pins, size_t n_pins)
{
	memset(p, 0, sizeof(*p));
	p->vtable = &chan_peer_vtable;
	p->role = role;
	if (n_pins > CHAN_PEER_MAX_PINS) {
		snprintf(p->err, sizeof(p->err), "%zu pinned keys, at most %d supported", n_pins, CHAN_PEER_MAX_PINS);
		return -1;
	}
	if (n_pins)
		memcpy(p->pins, pins, n_pins * 32);
	p->n_pins = n_pins;
	return 0;
}
