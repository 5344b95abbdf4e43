/*
 * REPORT_DATA: what ties an attestation report to one TLS session with one
 * guest key (DESIGN.md, "The attested channel"):
 *
 *   REPORT_DATA = SHA-512( "snpboot-report-data-v1"          (22 bytes, no NUL)
 *                        || SHA-256(guest SubjectPublicKeyInfo DER)
 *                        || TLS-Exporter(label "EXPORTER-snpboot",
 *                                        context = the 32-byte HELLO nonce,
 *                                        length 32) )
 *
 * The exporter is RFC 5705 (TLS 1.2 PRF over the master secret, both
 * randoms, and the context with its 2-byte length), so both ends get the
 * same value only inside the same session. A relay that terminates TLS on
 * both sides has two sessions with different master secrets and randoms,
 * so the report it obtains from the guest binds values the owner's session
 * does not have; a replayed report binds an old nonce and session; a
 * swapped guest key changes the SPKI hash.
 *
 * BearSSL 0.6 has no extended master secret (RFC 7627). That matters for
 * exporters only when an attacker can make two sessions share a master
 * secret (the triple-handshake attack), which needs RSA key exchange or
 * unchecked (EC)DHE groups; the channel allows only ECDHE on named curves,
 * whose points BearSSL validates, and no resumption or renegotiation.
 */
#ifndef SNPBOOT_CHAN_BINDING_H
#define SNPBOOT_CHAN_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define CHAN_BINDING_PREFIX "snpboot-report-data-v1"
#define CHAN_EXPORTER_LABEL "EXPORTER-snpboot"
#define CHAN_EXPORTER_LEN 32
#define CHAN_NONCE_LEN 32
#define CHAN_REPORT_DATA_LEN 64

/* The formula above from its two inputs. */
void chan_binding_compute(const uint8_t spki_sha256[32], const uint8_t exporter[CHAN_EXPORTER_LEN],
			  uint8_t out[CHAN_REPORT_DATA_LEN]);

/* The exporter value of a connected engine for this nonce.
 * Returns 0, or -1 with err (handshake not complete). */
int chan_binding_exporter(br_ssl_engine_context *eng, const uint8_t nonce[CHAN_NONCE_LEN],
			  uint8_t out[CHAN_EXPORTER_LEN], char *err, size_t err_len);

/* REPORT_DATA for this session, nonce and guest key fingerprint (the guest
 * passes its own, the owner the one it saw in the handshake).
 * Returns 0, or -1 with err. */
int chan_binding_from_engine(br_ssl_engine_context *eng, const uint8_t nonce[CHAN_NONCE_LEN],
			     const uint8_t spki_sha256[32], uint8_t out[CHAN_REPORT_DATA_LEN], char *err,
			     size_t err_len);

/*
 * Under an SVSM's service attestation (AMD SVSM spec #58019 section 7, Linux
 * Documentation/ABI/testing/configfs-tsm-report: service_provider), the
 * guest hands the SVSM 64 bytes as the nonce (the session binding above)
 * and the SVSM asks for a report whose REPORT_DATA is
 *
 *   SHA-512( nonce || service manifest )
 *
 * so the report binds both the session and the manifest (e.g. the vTPM's
 * endorsement key). Both ends compute it here; the guest to check the
 * SVSM's answer, the owner to check the report.
 */
void chan_binding_svsm(const uint8_t nonce[CHAN_REPORT_DATA_LEN], const uint8_t *manifest, size_t manifest_len,
		       uint8_t out[CHAN_REPORT_DATA_LEN]);

#endif
