/* REPORT_DATA binding; see chan_binding.h. */
#include "chan_binding.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"

void chan_binding_compute(const uint8_t spki_sha256[32], const uint8_t exporter[CHAN_EXPORTER_LEN],
			  uint8_t out[CHAN_REPORT_DATA_LEN])
{
	br_sha512_context h;
	br_sha512_init(&h);
	br_sha512_update(&h, CHAN_BINDING_PREFIX, sizeof(CHAN_BINDING_PREFIX) - 1);
	br_sha512_update(&h, spki_sha256, 32);
	br_sha512_update(&h, exporter, CHAN_EXPORTER_LEN);
	br_sha512_out(&h, out);
	secure_wipe(&h, sizeof(h));
}

int chan_binding_exporter(br_ssl_engine_context *eng, const uint8_t nonce[CHAN_NONCE_LEN],
			  uint8_t out[CHAN_EXPORTER_LEN], char *err, size_t err_len)
{
	if (!br_ssl_key_export(eng, out, CHAN_EXPORTER_LEN, CHAN_EXPORTER_LABEL, nonce, CHAN_NONCE_LEN)) {
		snprintf(err, err_len, "TLS exporter unavailable: the handshake is not complete or the connection failed");
		return -1;
	}
	return 0;
}

int chan_binding_from_engine(br_ssl_engine_context *eng, const uint8_t nonce[CHAN_NONCE_LEN],
			     const uint8_t spki_sha256[32], uint8_t out[CHAN_REPORT_DATA_LEN], char *err,
			     size_t err_len)
{
	uint8_t exporter[CHAN_EXPORTER_LEN];
	if (chan_binding_exporter(eng, nonce, exporter, err, err_len))
		return -1;
	chan_binding_compute(spki_sha256, exporter, out);
	secure_wipe(exporter, sizeof(exporter));
	return 0;
}

void chan_binding_svsm(const uint8_t nonce[CHAN_REPORT_DATA_LEN], const uint8_t *manifest, size_t manifest_len,
		       uint8_t out[CHAN_REPORT_DATA_LEN])
{
	br_sha512_context h;
	br_sha512_init(&h);
	br_sha512_update(&h, nonce, CHAN_REPORT_DATA_LEN);
	if (manifest_len)
		br_sha512_update(&h, manifest, manifest_len);
	br_sha512_out(&h, out);
}
