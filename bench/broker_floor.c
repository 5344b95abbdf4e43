/* The floor of the broker's CPU per release (`make bench`): the public-key
 * operations one release cannot avoid, with the same BearSSL code the
 * broker runs (br_ec_get_default, the default ECDSA implementations), back
 * to back in one process:
 *   - ECDHE on the negotiated curve (the load generator reports its TLS id:
 *     23 P-256, 24 P-384, 25 P-521, 29 X25519): the broker's ephemeral key
 *     (mulgen) and the shared secret (mul);
 *   - the guest's handshake signature (ServerKeyExchange, ECDSA P-384 with
 *     SHA-384): one verify;
 *   - the broker's CertificateVerify (ECDSA P-384, the guest asks for the
 *     owner certificate it pins): one sign;
 *   - the report's signature (ECDSA P-384 with SHA-384 by the VCEK): one verify.
 * Not counted: the ARK -> ASK -> VCEK RSA chain and the CRL signature (the
 * broker does check them per release; the brief's floor leaves them out).
 *   broker_floor [CURVE_ID] [ITERATIONS]
 * prints: floor curve=ID iterations=N cpu_ms_per_release=C ecdhe_ms= verify_ms= sign_ms= */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A deterministic DRBG: the floor needs keys, not secrecy. */
static br_hmac_drbg_context rng;

static int keypair(int curve, unsigned char *sk_buf, br_ec_private_key *sk, unsigned char *pk_buf,
		   br_ec_public_key *pk)
{
	const br_ec_impl *ec = br_ec_get_default();
	if (!br_ec_keygen(&rng.vtable, ec, sk, sk_buf, curve))
		return -1;
	return br_ec_compute_pub(ec, pk, pk_buf, sk) ? 0 : -1;
}

int main(int argc, char **argv)
{
	int curve = argc > 1 ? atoi(argv[1]) : BR_EC_secp384r1;
	long n = argc > 2 ? atol(argv[2]) : 200;
	if (curve <= 0 || curve > 31 || n <= 0) {
		fprintf(stderr, "usage: broker_floor [CURVE_ID] [ITERATIONS]\n");
		return 2;
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, "snpboot broker floor", 20);
	const br_ec_impl *ec = br_ec_get_default();
	if (!(ec->supported_curves >> curve & 1)) {
		fprintf(stderr, "broker_floor: curve %d not supported\n", curve);
		return 1;
	}
	unsigned char gsk_buf[BR_EC_KBUF_PRIV_MAX_SIZE], gpk_buf[BR_EC_KBUF_PUB_MAX_SIZE];
	unsigned char bsk_buf[BR_EC_KBUF_PRIV_MAX_SIZE], bpk_buf[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_private_key guest_sk, broker_sk;
	br_ec_public_key guest_pk, broker_pk; /* broker_pk: made with its key, unused */
	/* The guest's and the broker's (and, standing in for it, the VCEK's) P-384 keys. */
	if (keypair(BR_EC_secp384r1, gsk_buf, &guest_sk, gpk_buf, &guest_pk) ||
	    keypair(BR_EC_secp384r1, bsk_buf, &broker_sk, bpk_buf, &broker_pk)) {
		fprintf(stderr, "broker_floor: keygen failed\n");
		return 1;
	}
	/* The guest's ephemeral ECDHE point on the negotiated curve. */
	unsigned char esk_buf[BR_EC_KBUF_PRIV_MAX_SIZE], epk_buf[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_private_key esk;
	br_ec_public_key epk;
	if (keypair(curve, esk_buf, &esk, epk_buf, &epk)) {
		fprintf(stderr, "broker_floor: keygen failed\n");
		return 1;
	}
	unsigned char hash[48], sig[160], mine_sig[160], raw[96], point[BR_EC_KBUF_PUB_MAX_SIZE], mine[66];
	size_t slen = curve == BR_EC_secp521r1 ? 66 : curve == BR_EC_secp384r1 ? 48 : 32;
	memset(hash, 0x5a, sizeof hash);
	/* Signatures by the guest's key, made once: only verifying them is timed. */
	size_t sig_len = br_ecdsa_sign_asn1_get_default()(ec, &br_sha384_vtable, hash, &guest_sk, sig);
	size_t raw_len = br_ecdsa_sign_raw_get_default()(ec, &br_sha384_vtable, hash, &guest_sk, raw);
	br_ecdsa_vrfy vrfy_asn1 = br_ecdsa_vrfy_asn1_get_default(), vrfy_raw = br_ecdsa_vrfy_raw_get_default();
	br_ecdsa_sign sign_asn1 = br_ecdsa_sign_asn1_get_default();
	double ecdhe = 0, verify = 0, sign = 0;
	int bad = !sig_len || !raw_len;
	for (long i = 0; i < n; i++) {
		/* A fresh scalar below the group order (top bits cleared). */
		br_hmac_drbg_generate(&rng, mine, slen);
		mine[0] &= curve == BR_EC_secp521r1 ? 0x01 : 0x7f;
		double t0 = cpu_ms();
		/* ECDHE: our ephemeral public point, then the shared secret with the guest's. */
		size_t plen = ec->mulgen(point, mine, slen, curve);
		memcpy(point, epk.q, epk.qlen);
		bad |= !plen || !ec->mul(point, epk.qlen, mine, slen, curve);
		double t1 = cpu_ms();
		bad |= !vrfy_asn1(ec, hash, sizeof hash, &guest_pk, sig, sig_len); /* the guest's handshake signature */
		bad |= !vrfy_raw(ec, hash, sizeof hash, &guest_pk, raw, raw_len);   /* the report's (VCEK) */
		double t2 = cpu_ms();
		bad |= !sign_asn1(ec, &br_sha384_vtable, hash, &broker_sk, mine_sig); /* the broker's CertificateVerify */
		double t3 = cpu_ms();
		ecdhe += t1 - t0;
		verify += t2 - t1;
		sign += t3 - t2;
	}
	if (bad) {
		fprintf(stderr, "broker_floor: an operation failed\n");
		return 1;
	}
	printf("floor curve=%d iterations=%ld cpu_ms_per_release=%.3f ecdhe_ms=%.3f verify2_ms=%.3f sign_ms=%.3f\n",
	       curve, n, (ecdhe + verify + sign) / (double)n, ecdhe / (double)n, verify / (double)n, sign / (double)n);
	return 0;
}
