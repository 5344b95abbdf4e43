/* TLS policy shared by the guest (server) and the owner (client). */
#include "chan_tls_policy.h"

const uint16_t chan_tls_suites[3] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
};

void chan_tls_policy_apply(br_ssl_engine_context *eng)
{
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, chan_tls_suites, sizeof(chan_tls_suites) / sizeof(chan_tls_suites[0]));
	/* ECDHE over the curves BearSSL implements (X25519, P-256/384/521). */
	br_ssl_engine_set_default_ec(eng);
	/* Verifying the peer's ECDSA signatures (ServerKeyExchange on the
	 * client, CertificateVerify on the server when owner keys are pinned).
	 * No RSA verifier is set, so only ECDSA signature algorithms are
	 * offered and accepted. */
	br_ssl_engine_set_default_ecdsa(eng);
	/* The transcript hashes the suites' PRFs and the signatures need;
	 * no MD5 or SHA-1. */
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	/* Renegotiation would change the keys under an attested session. */
	br_ssl_engine_add_flags(eng, BR_OPT_ENFORCE_SERVER_PREFERENCES | BR_OPT_NO_RENEGOTIATION);
}
