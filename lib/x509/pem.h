/*
 * PEM (RFC 7468) to DER, one block at a time, so a file holding several
 * certificates (KDS's cert_chain.pem: ASK then ARK) is walked in order.
 * No allocation: the caller supplies the output buffer.
 */
#ifndef SNPBOOT_PEM_H
#define SNPBOOT_PEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the next block at or after *pos whose label is `label` (e.g.
 * "CERTIFICATE"; NULL: any label; blocks with another label are skipped).
 * Returns 1 with the DER in out[0..*out_len) and *pos just past the END
 * line; 0 when there is no further block; -1 on a malformed block (missing
 * END line, bad base64, data after padding) or if out is too small.
 * Whitespace (space, tab, CR, LF) inside the base64 is ignored; headers
 * ("Key: value" lines) are refused.
 */
int pem_next(const char *text, size_t text_len, size_t *pos, const char *label, uint8_t *out,
	     size_t out_cap, size_t *out_len, char *err, size_t err_len);

/* 1 if text contains a "-----BEGIN " line (so it is PEM rather than DER). */
int pem_detect(const char *text, size_t text_len);

#endif
