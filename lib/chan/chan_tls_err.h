/* Human-readable BearSSL SSL/X.509 error codes and TLS alerts, so a failed
 * channel says why ("the peer offered no ECDHE-ECDSA AEAD cipher suite")
 * instead of "error 16". */
#ifndef SNPBOOT_CHAN_TLS_ERR_H
#define SNPBOOT_CHAN_TLS_ERR_H

#include <stddef.h>

/* Describes br_ssl_engine_last_error() into out: the code's meaning, and
 * for alerts (BR_ERR_RECV_FATAL_ALERT / BR_ERR_SEND_FATAL_ALERT + n) the
 * alert's name and direction. */
void chan_tls_describe(int code, char *out, size_t out_len);

/* "handshake_failure" etc. for a TLS alert number; "unknown alert" else. */
const char *chan_tls_alert_name(int alert);

/* "ECDHE-ECDSA-AES256-GCM-SHA384" (OpenSSL's names) for a suite id, or NULL. */
const char *chan_tls_suite_name(unsigned suite);

#endif
