/*
 * Fuzz target for what the attested channel reads from its peer: the
 * incremental frame decoder (fed in input-chosen chunk sizes, frame after
 * frame), the payload decoders of every frame type, EVIDENCE with its
 * optional SERVICE_MANIFEST item included (which must re-encode
 * to the same bytes when they accept), and the peer certificate's SPKI
 * reader.
 *
 * Input: byte 0 picks the chunk size, byte 1 the decoder's buffer size and
 * allowed types; the rest is the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chan/chan_cert.h"
#include "chan/chan_frame.h"
#include "chan/chan_payload.h"

#define CHECK(c)                                                                                              \
	do {                                                                                                  \
		if (!(c))                                                                                     \
			abort();                                                                              \
	} while (0)

static uint8_t payload[CHAN_FRAME_MAX_PAYLOAD];
static uint8_t again[CHAN_FRAME_MAX_PAYLOAD];

static void check_err(const char *err, size_t cap)
{
	CHECK(err[0] != '\0');              /* every refusal says why */
	CHECK(memchr(err, 0, cap) != NULL); /* and is terminated */
}

/* Payload decoders; accepted input must re-encode to the same bytes. */
static void payloads(unsigned type, const uint8_t *p, size_t len)
{
	char err[200];
	err[0] = '\0';
	switch (type) {
	case CHAN_FRAME_EVIDENCE: {
		struct chan_evidence ev;
		if (chan_evidence_decode(&ev, p, len, err, sizeof(err)) == 0) {
			CHECK(ev.report && ev.report >= p && ev.report + CHAN_REPORT_LEN <= p + len);
			CHECK(!ev.cert_table || (ev.cert_table_len > 0 && ev.cert_table + ev.cert_table_len <= p + len));
			CHECK(ev.boot_facts_len <= CHAN_BOOT_FACTS_MAX);
			/* SERVICE_MANIFEST: bounded, inside the payload, and only when present. */
			CHECK(ev.manifest_len <= CHAN_MANIFEST_MAX);
			CHECK(ev.has_manifest ? ev.manifest && ev.manifest >= p && ev.manifest + ev.manifest_len <= p + len
					      : !ev.manifest && ev.manifest_len == 0);
			CHECK(chan_evidence_encode(again, sizeof(again), &ev, err, sizeof(err)) == len);
			CHECK(memcmp(again, p, len) == 0);
		} else {
			check_err(err, sizeof(err));
		}
		break;
	}
	case CHAN_FRAME_SECRETS: {
		struct chan_secrets s;
		if (chan_secrets_decode(&s, p, len, err, sizeof(err)) == 0) {
			CHECK(s.disk_key_len >= 1 && s.disk_key_len <= CHAN_DISK_KEY_MAX);
			CHECK(chan_secrets_encode(again, sizeof(again), &s, err, sizeof(err)) == len);
			CHECK(memcmp(again, p, len) == 0);
		} else {
			check_err(err, sizeof(err));
		}
		break;
	}
	case CHAN_FRAME_RESULT: {
		struct chan_result r;
		if (chan_result_decode(&r, p, len, err, sizeof(err)) == 0) {
			CHECK(chan_result_status_name(r.status) != NULL);
			CHECK(r.detail_len == len - 1);
		} else {
			check_err(err, sizeof(err));
		}
		break;
	}
	case CHAN_FRAME_REJECT:
		if (chan_reject_check(p, len, err, sizeof(err)) != 0)
			check_err(err, sizeof(err));
		break;
	default:
		break;
	}
}

static void stream(const uint8_t *in, size_t len, size_t chunk, size_t cap, unsigned allowed)
{
	struct chan_frame_decoder d;
	size_t off = 0;
	while (off < len) {
		chan_frame_decoder_init(&d, payload, cap, allowed);
		int st = CHAN_FRAME_MORE;
		size_t frame_used = 0;
		while (st == CHAN_FRAME_MORE && off < len) {
			size_t n = len - off < chunk ? len - off : chunk, used = 0;
			CHECK(chan_frame_decoder_wanted(&d) > 0);
			st = chan_frame_decoder_feed(&d, in + off, n, &used);
			CHECK(used <= n);
			CHECK(st != CHAN_FRAME_MORE || used == n); /* MORE means it took everything */
			off += used;
			frame_used += used;
		}
		if (st == CHAN_FRAME_MORE)
			st = chan_frame_decoder_eof(&d);
		if (st == CHAN_FRAME_ERROR) {
			check_err(d.err, sizeof(d.err));
			CHECK(chan_frame_decoder_wanted(&d) == 0);
			return;
		}
		CHECK(st == CHAN_FRAME_DONE);
		CHECK(frame_used == CHAN_FRAME_HEADER_LEN + d.len); /* never a byte past the frame */
		CHECK(chan_frame_type_name(d.type) != NULL);
		CHECK(d.len <= cap && d.len <= chan_frame_max_payload(d.type));
		CHECK(!allowed || (allowed & CHAN_FRAME_BIT(d.type)));
		CHECK(chan_frame_check(d.type, d.len, NULL, 0) == 0);
		payloads(d.type, d.buf, d.len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = {CHAN_FRAME_MAX_PAYLOAD, CHAN_SECRETS_MAX, 64, 32, 0};
	if (size < 2)
		return 0;
	size_t chunk = (size_t)data[0] % 64 + 1;
	if (data[0] >= 192)
		chunk = size; /* often: everything at once */
	size_t cap = caps[data[1] % 5];
	unsigned allowed = (data[1] / 5) % 4 == 0 ? 0 : ((unsigned)data[1] << 1) & 0x3e;
	stream(data + 2, size - 2, chunk, cap, allowed);

	/* The payload layouts and the certificate reader straight on the input. */
	for (unsigned t = CHAN_FRAME_EVIDENCE; t <= CHAN_FRAME_RESULT; t++)
		payloads(t, data + 2, size - 2);
	struct chan_cert_key key;
	char err[200];
	if (chan_cert_p384_key(data + 2, size - 2, &key, err, sizeof(err)) == 0) {
		CHECK(key.spki_len == CHAN_P384_SPKI_LEN && key.q[0] == 0x04);
		CHECK(key.spki >= data + 2 && key.spki + key.spki_len <= data + size);
	}
	return 0;
}
