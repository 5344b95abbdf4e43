/* The simulated platform's test PKI in memory: key generation, issuing
 * the ARK/ASK/VCEK certificates, and checking a set as a client would. */
#include "snpsim_pki.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "snp/amd_cert.h"
#include "base/bytes.h"
#include "x509/rsa_pss.h"
#include "snpsim_cert.h"
#include "snp/snp_verify.h"
#include "x509/x509.h"
#include "base/err_text.h"

#define DAY 86400
#define YEAR (365 * DAY)

int snpsim_rng_init(br_hmac_drbg_context *rng, char *err, size_t err_len)
{
	uint8_t seed[48];
	size_t got = 0;
	while (got < sizeof seed) {
		ssize_t n = getrandom(seed + got, sizeof seed - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(err, err_len, "getrandom: %s", n < 0 ? strerror(errno) : "no bytes");
		got += (size_t)n;
	}
	br_hmac_drbg_init(rng, &br_sha384_vtable, seed, sizeof seed);
	secure_wipe(seed, sizeof seed);
	return 0;
}

void snpsim_rsa_fix_pointers(struct snpsim_rsa_key *k)
{
	/* Our layout (snpsim_rsa_generate and the key loader pack it): the
	 * private parts p, q, dp, dq, iq and the public n, e back to back. */
	uint8_t *p = k->priv;
	k->sk.p = p;
	p += k->sk.plen;
	k->sk.q = p;
	p += k->sk.qlen;
	k->sk.dp = p;
	p += k->sk.dplen;
	k->sk.dq = p;
	p += k->sk.dqlen;
	k->sk.iq = p;
	k->pk.n = k->pub;
	k->pk.e = k->pub + k->pk.nlen;
}

int snpsim_rsa_generate(struct snpsim_rsa_key *k, br_hmac_drbg_context *rng, char *err, size_t err_len)
{
	static struct snpsim_rsa_key raw;
	memset(k, 0, sizeof *k);
	br_rsa_keygen keygen = br_rsa_keygen_get_default();
	if (!keygen(&rng->vtable, &raw.sk, raw.priv, &raw.pk, raw.pub, SNPSIM_RSA_BITS, 65537)) {
		secure_wipe(&raw, sizeof raw);
		return err_set(err, err_len, "RSA-%d key generation failed", SNPSIM_RSA_BITS);
	}
	/* The keygen leaves gaps between the parts when one is shorter than
	 * its slot; pack them so that snpsim_rsa_fix_pointers finds them. */
	int rc = snpsim_rsa_set(k, &raw.sk, raw.pk.n, raw.pk.nlen, raw.pk.e, raw.pk.elen);
	secure_wipe(&raw, sizeof raw);
	return rc ? err_set(err, err_len, "RSA key: parts larger than expected") : 0;
}

int snpsim_rsa_set(struct snpsim_rsa_key *k, const br_rsa_private_key *sk, const uint8_t *n, size_t nlen,
		   const uint8_t *e, size_t elen)
{
	const struct {
		const uint8_t *p;
		size_t len;
	} parts[] = {{sk->p, sk->plen}, {sk->q, sk->qlen}, {sk->dp, sk->dplen}, {sk->dq, sk->dqlen}, {sk->iq, sk->iqlen}};
	size_t off = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (parts[i].len > sizeof k->priv - off)
			return -1;
		memcpy(k->priv + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
	if (nlen + elen > sizeof k->pub)
		return -1;
	memcpy(k->pub, n, nlen);
	memcpy(k->pub + nlen, e, elen);
	k->sk = *sk;
	k->pk.nlen = nlen;
	k->pk.elen = elen;
	snpsim_rsa_fix_pointers(k);
	return 0;
}

int snpsim_pki_set_vcek_key(struct snpsim_pki *pki, const uint8_t scalar[SNPSIM_EC_SCALAR_LEN], char *err,
			    size_t err_len)
{
	const br_ec_impl *ec = br_ec_get_default();
	memcpy(pki->vcek_priv, scalar, SNPSIM_EC_SCALAR_LEN);
	pki->vcek_sk = (br_ec_private_key){.curve = BR_EC_secp384r1, .x = pki->vcek_priv, .xlen = SNPSIM_EC_SCALAR_LEN};
	br_ec_public_key pk;
	if (br_ec_compute_pub(ec, &pk, pki->vcek_pub, &pki->vcek_sk) != SNPSIM_EC_POINT_LEN)
		return err_set(err, err_len, "VCEK key: not a valid P-384 private scalar");
	return 0;
}

int snpsim_pki_issue_roots(struct snpsim_pki *pki, br_hmac_drbg_context *rng, int64_t now, char *err,
			   size_t err_len)
{
	struct snpsim_cert_spec s = {.kind = SNPSIM_CERT_ARK, .id = &pki->id, .rsa = &pki->ark.pk,
				     .issuer = &pki->ark.sk, .not_before = now - DAY, .not_after = now + 25 * YEAR};
	if (snpsim_cert_build(pki->ark_der, sizeof pki->ark_der, &pki->ark_len, &s, rng, err, err_len))
		return -1;
	s.kind = SNPSIM_CERT_ASK;
	s.rsa = &pki->ask.pk;
	return snpsim_cert_build(pki->ask_der, sizeof pki->ask_der, &pki->ask_len, &s, rng, err, err_len);
}

int snpsim_pki_issue_vcek(struct snpsim_pki *pki, br_hmac_drbg_context *rng, int64_t now, char *err,
			  size_t err_len)
{
	uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key sk;
	if (br_ec_keygen(&rng->vtable, br_ec_get_default(), &sk, kbuf, BR_EC_secp384r1) != SNPSIM_EC_SCALAR_LEN)
		return err_set(err, err_len, "VCEK: P-384 key generation failed");
	int rc = snpsim_pki_set_vcek_key(pki, kbuf, err, err_len);
	secure_wipe(kbuf, sizeof kbuf);
	if (rc)
		return -1;
	struct snpsim_cert_spec s = {.kind = SNPSIM_CERT_VCEK, .id = &pki->id, .ec_point = pki->vcek_pub,
				     .issuer = &pki->ask.sk, .not_before = now - DAY, .not_after = now + 7 * YEAR};
	return snpsim_cert_build(pki->vcek_der, sizeof pki->vcek_der, &pki->vcek_len, &s, rng, err, err_len);
}

int snpsim_pki_reissue_vcek_for(struct snpsim_pki *pki, const struct snpsim_identity *claimed,
				br_hmac_drbg_context *rng, int64_t now, char *err, size_t err_len)
{
	if (claimed->product != pki->id.product)
		return err_set(err, err_len, "VCEK: a claimed identity must keep the product");
	struct snpsim_cert_spec s = {.kind = SNPSIM_CERT_VCEK, .id = claimed, .ec_point = pki->vcek_pub,
				     .issuer = &pki->ask.sk, .not_before = now - DAY, .not_after = now + 7 * YEAR};
	return snpsim_cert_build(pki->vcek_der, sizeof pki->vcek_der, &pki->vcek_len, &s, rng, err, err_len);
}

/* The private key signs what the certificate's public key verifies. */
static int rsa_key_matches(const struct snpsim_rsa_key *k, const uint8_t *der, size_t len, const char *name,
			   char *err, size_t err_len)
{
	struct x509_cert c;
	br_rsa_public_key pk;
	char why[200];
	uint8_t hash[48], salt[48], sig[SNPSIM_RSA_BITS / 8];
	size_t sig_len;
	memset(hash, 0x5a, sizeof hash);
	memset(salt, 0xa5, sizeof salt);
	if (x509_parse(&c, der, len, why, sizeof why) || x509_rsa_key(&c, &pk, why, sizeof why) ||
	    rsa_pss_sha384_sign(&k->sk, hash, salt, sig, sizeof sig, &sig_len, why, sizeof why) ||
	    rsa_pss_sha384_verify(&pk, hash, sig, sig_len, why, sizeof why))
		return err_set(err, err_len, "%s: private key does not belong to the certificate: %s", name, why);
	return 0;
}

int snpsim_pki_check(const struct snpsim_pki *pki, int64_t now, char *err, size_t err_len)
{
	struct amd_certs certs = {.ark = pki->ark_der, .ark_len = pki->ark_len, .ask = pki->ask_der,
				  .ask_len = pki->ask_len, .vcek = pki->vcek_der, .vcek_len = pki->vcek_len};
	struct amd_chain_opts o = {.product = snp_product_to_amd(pki->id.product), .anchor = pki->ark_der,
				   .anchor_len = pki->ark_len, .now = (time_t)now};
	static struct amd_chain_result cr; /* large; the simulator is single-threaded */
	char why[300];
	if (amd_chain_verify(&certs, &o, &cr, why, sizeof why))
		return err_set(err, err_len, "test chain does not verify: %s", why);
	if (rsa_key_matches(&pki->ark, pki->ark_der, pki->ark_len, "ARK", err, err_len) ||
	    rsa_key_matches(&pki->ask, pki->ask_der, pki->ask_len, "ASK", err, err_len))
		return -1;
	if (memcmp(cr.vcek_q, pki->vcek_pub, SNPSIM_EC_POINT_LEN) != 0)
		return err_set(err, err_len, "VCEK: private key does not belong to the certificate");
	uint8_t tcb[8];
	snp_tcb_encode(tcb, &pki->id.tcb, snp_tcb_layout_for(pki->id.product));
	if (amd_vcek_match_report(&cr.ext, cr.product, tcb, pki->id.chip_id, why, sizeof why) != 0)
		return err_set(err, err_len, "VCEK: issued for another chip or TCB: %s", why);
	if (strcmp(cr.ext.product_name, snpsim_product_name(pki->id.product)) != 0)
		return err_set(err, err_len, "VCEK: productName \"%s\", expected \"%s\"", cr.ext.product_name,
			    snpsim_product_name(pki->id.product));
	return 0;
}

void snpsim_pki_wipe(struct snpsim_pki *pki)
{
	secure_wipe(pki, sizeof *pki);
}
