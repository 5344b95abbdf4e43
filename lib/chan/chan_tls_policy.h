/* The attested channel's TLS policy, one place for both ends: TLS 1.2
 * only; ECDHE key exchange with ECDSA authentication only (forward
 * secrecy, and the guest's key only ever signs); AEAD record protection
 * only (AES-GCM, ChaCha20-Poly1305: no CBC, no RSA key exchange, no static
 * ECDH); no renegotiation and no session resumption, so every connection
 * runs a full handshake whose keys are bound into the attestation report. */
#ifndef SNPBOOT_CHAN_TLS_POLICY_H
#define SNPBOOT_CHAN_TLS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

/* Cipher suites in order of preference (the server enforces its order). */
extern const uint16_t chan_tls_suites[3];

/* Versions, suites, ECDHE curves, ECDSA, SHA-256/384, TLS 1.2 PRFs,
 * AES-GCM and ChaCha20-Poly1305 on an engine zeroed by br_ssl_*_zero. */
void chan_tls_policy_apply(br_ssl_engine_context *eng);

#endif
