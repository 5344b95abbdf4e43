/* BearSSL error codes and TLS alerts as text; see chan_tls_err.h. */
#include "chan_tls_err.h"

#include <stdio.h>

#include <bearssl.h>

struct code_text {
	int code;
	const char *text;
};

static const struct code_text ssl_errors[] = {
	{BR_ERR_BAD_PARAM, "bad parameter or malformed message"},
	{BR_ERR_BAD_STATE, "engine in the wrong state"},
	{BR_ERR_UNSUPPORTED_VERSION, "the peer does not offer TLS 1.2 (the only version accepted)"},
	{BR_ERR_BAD_VERSION, "record version mismatch"},
	{BR_ERR_BAD_LENGTH, "record of a wrong length"},
	{BR_ERR_TOO_LARGE, "record too large for the buffer"},
	{BR_ERR_BAD_MAC, "record authentication failed (corrupted or forged data)"},
	{BR_ERR_NO_RANDOM, "no random source"},
	{BR_ERR_UNKNOWN_TYPE, "record of an unknown type"},
	{BR_ERR_UNEXPECTED, "unexpected message"},
	{BR_ERR_BAD_CCS, "malformed ChangeCipherSpec"},
	{BR_ERR_BAD_ALERT, "malformed alert"},
	{BR_ERR_BAD_HANDSHAKE, "malformed handshake message"},
	{BR_ERR_OVERSIZED_ID, "oversized session ID"},
	{BR_ERR_BAD_CIPHER_SUITE,
	 "no cipher suite in common (only ECDHE-ECDSA with AES-GCM or ChaCha20-Poly1305 is accepted)"},
	{BR_ERR_BAD_COMPRESSION, "compression requested"},
	{BR_ERR_BAD_FRAGLEN, "bad maximum fragment length"},
	{BR_ERR_BAD_SECRENEG, "secure renegotiation failure"},
	{BR_ERR_EXTRA_EXTENSION, "unexpected extension"},
	{BR_ERR_BAD_SNI, "bad server name"},
	{BR_ERR_BAD_HELLO_DONE, "malformed ServerHelloDone"},
	{BR_ERR_LIMIT_EXCEEDED, "a protocol limit was exceeded"},
	{BR_ERR_BAD_FINISHED, "Finished message did not verify"},
	{BR_ERR_RESUME_MISMATCH, "session resumption mismatch"},
	{BR_ERR_INVALID_ALGORITHM, "unsupported or invalid algorithm (key exchange, curve or signature)"},
	{BR_ERR_BAD_SIGNATURE, "a handshake signature did not verify"},
	{BR_ERR_WRONG_KEY_USAGE, "the peer's key may not be used this way"},
	{BR_ERR_NO_CLIENT_AUTH, "the client sent no certificate, and owner keys are pinned"},
	{BR_ERR_IO, "I/O error on the connection"},
	{BR_ERR_X509_EMPTY_CHAIN, "the peer sent no certificate"},
	{BR_ERR_X509_LIMIT_EXCEEDED, "the peer's certificate is too large"},
	{BR_ERR_X509_WRONG_KEY_TYPE, "the peer's certificate does not hold an EC P-384 key"},
	{BR_ERR_X509_NOT_TRUSTED, "the peer's key is not one of the pinned keys"},
};

static const struct code_text alerts[] = {
	{0, "close_notify"},
	{10, "unexpected_message"},
	{20, "bad_record_mac"},
	{22, "record_overflow"},
	{40, "handshake_failure"},
	{42, "bad_certificate"},
	{43, "unsupported_certificate"},
	{44, "certificate_revoked"},
	{45, "certificate_expired"},
	{46, "certificate_unknown"},
	{47, "illegal_parameter"},
	{48, "unknown_ca"},
	{49, "access_denied"},
	{50, "decode_error"},
	{51, "decrypt_error"},
	{70, "protocol_version"},
	{71, "insufficient_security"},
	{80, "internal_error"},
	{86, "inappropriate_fallback"},
	{90, "user_canceled"},
	{100, "no_renegotiation"},
	{110, "unsupported_extension"},
	{112, "unrecognized_name"},
	{116, "certificate_required"},
	{120, "no_application_protocol"},
};

static const char *lookup(const struct code_text *t, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].text;
	return NULL;
}

const char *chan_tls_alert_name(int alert)
{
	const char *s = lookup(alerts, sizeof(alerts) / sizeof(alerts[0]), alert);
	return s ? s : "unknown alert";
}

/* BearSSL reports a refused ClientHello as the alert it sent, not as a
 * reason; in this policy those alerts have one likely cause each. */
static const char *sent_alert_hint(int alert)
{
	switch (alert) {
	case 40:
		return ": the peer offered nothing acceptable (only ECDHE-ECDSA with AES-GCM or ChaCha20-Poly1305 "
		       "on TLS 1.2 is accepted)";
	case 70:
		return ": the peer does not offer TLS 1.2 (the only version accepted)";
	default:
		return "";
	}
}

static const char *received_alert_hint(int alert)
{
	switch (alert) {
	case 40:
		return ": the peer accepts nothing we offer (TLS 1.2, ECDHE-ECDSA, AES-GCM or ChaCha20-Poly1305)";
	case 70:
		return ": the peer does not accept TLS 1.2";
	case 42:
	case 43:
	case 46:
	case 48:
		return ": the peer refused our certificate";
	default:
		return "";
	}
}

void chan_tls_describe(int code, char *out, size_t out_len)
{
	const char *s;
	if (code >= BR_ERR_SEND_FATAL_ALERT) {
		int a = code - BR_ERR_SEND_FATAL_ALERT;
		snprintf(out, out_len, "sent fatal alert %d (%s)%s", a, chan_tls_alert_name(a), sent_alert_hint(a));
	} else if (code >= BR_ERR_RECV_FATAL_ALERT) {
		int a = code - BR_ERR_RECV_FATAL_ALERT;
		snprintf(out, out_len, "the peer sent fatal alert %d (%s)%s", a, chan_tls_alert_name(a),
			 received_alert_hint(a));
	} else if ((s = lookup(ssl_errors, sizeof(ssl_errors) / sizeof(ssl_errors[0]), code)) != NULL) {
		snprintf(out, out_len, "%s", s);
	} else if (code >= BR_ERR_X509_OK && code < BR_ERR_RECV_FATAL_ALERT) {
		snprintf(out, out_len, "the peer's certificate was refused (X.509 error %d)", code);
	} else {
		snprintf(out, out_len, "BearSSL error %d", code);
	}
}

const char *chan_tls_suite_name(unsigned suite)
{
	switch (suite) {
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-ECDSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-ECDSA-CHACHA20-POLY1305";
	default:
		return NULL;
	}
}
