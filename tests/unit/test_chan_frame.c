/* Channel frames (chan_frame.h) and their payloads (chan_payload.h). */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "base/bytes.h"
#include "chan/chan_frame.h"
#include "chan/chan_payload.h"

static uint8_t big[CHAN_EVIDENCE_MAX + 64];
static uint8_t payload_buf[CHAN_EVIDENCE_MAX];

/* Feeds all of in, n bytes at a time; returns the final status and the bytes used. */
static int feed_chunks(struct chan_frame_decoder *d, const uint8_t *in, size_t len, size_t chunk, size_t *used)
{
	size_t off = 0;
	int st = d->status;
	while (off < len && st == CHAN_FRAME_MORE) {
		size_t n = len - off < chunk ? len - off : chunk, u;
		st = chan_frame_decoder_feed(d, in + off, n, &u);
		off += u;
		if (u < n)
			break;
	}
	*used = off;
	return st;
}

static void test_check_messages(void)
{
	char err[160];
	ok(chan_frame_check(CHAN_FRAME_HELLO, 32, err, sizeof(err)) == 0, "HELLO of 32 bytes is valid");
	ok(chan_frame_check(CHAN_FRAME_HELLO, 31, err, sizeof(err)) < 0, "HELLO of 31 bytes refused");
	is_str(err, "HELLO frame of 31 bytes, expected exactly 32", "  message");
	ok(chan_frame_check(CHAN_FRAME_HELLO, 33, err, sizeof(err)) < 0, "HELLO of 33 bytes refused");
	ok(chan_frame_check(CHAN_FRAME_EVIDENCE, 70000, err, sizeof(err)) < 0, "EVIDENCE of 70000 bytes refused");
	is_str(err, "EVIDENCE frame of 70000 bytes exceeds 65536", "  message");
	ok(chan_frame_check(CHAN_FRAME_EVIDENCE, 65536, err, sizeof(err)) == 0, "EVIDENCE of 65536 bytes is valid");
	ok(chan_frame_check(CHAN_FRAME_SECRETS, 4097, err, sizeof(err)) < 0, "SECRETS of 4097 bytes refused");
	is_str(err, "SECRETS frame of 4097 bytes exceeds 4096", "  message");
	ok(chan_frame_check(CHAN_FRAME_REJECT, 1025, err, sizeof(err)) < 0, "REJECT of 1025 bytes refused");
	ok(chan_frame_check(CHAN_FRAME_RESULT, 1025, err, sizeof(err)) < 0, "RESULT of 1025 bytes refused");
	ok(chan_frame_check(9, 1, err, sizeof(err)) < 0, "type 9 refused");
	is_str(err, "frame type 9 is unknown", "  message");
	ok(chan_frame_check(0, 0, err, sizeof(err)) < 0, "type 0 refused");
	is_str(err, "frame type 0 is reserved (invalid)", "  message");
	ok(chan_frame_check(CHAN_FRAME_EVIDENCE, 0xffffffffull, err, sizeof(err)) < 0, "4 GiB EVIDENCE refused");
	is_str(chan_frame_type_name(CHAN_FRAME_RESULT), "RESULT", "type names");
	ok(chan_frame_type_name(200) == NULL && chan_frame_max_payload(200) == 0, "no name or size for type 200");
}

static void test_encode_decode(void)
{
	uint8_t nonce[32], frame[64], buf[64];
	char err[160];
	struct chan_frame_decoder d;
	size_t used;

	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(i * 7 + 1);
	size_t n = chan_frame_encode(frame, sizeof(frame), CHAN_FRAME_HELLO, nonce, sizeof(nonce), err, sizeof(err));
	is_int(n, 37, "HELLO frame is 37 bytes");
	is_int(frame[0], 1, "  type byte 1");
	is_int(be32_load(frame + 1), 32, "  big-endian length 32");
	is_mem(frame + 5, nonce, 32, "  payload follows");
	ok(chan_frame_encode(frame, 36, CHAN_FRAME_HELLO, nonce, 32, err, sizeof(err)) == 0, "too small a buffer refused");
	is_str(err, "HELLO frame of 32 bytes does not fit in a 36-byte buffer", "  message");
	ok(chan_frame_encode(frame, sizeof(frame), CHAN_FRAME_HELLO, nonce, 31, err, sizeof(err)) == 0,
	   "encoder refuses a short HELLO too");

	chan_frame_decoder_init(&d, buf, sizeof(buf), CHAN_FRAME_BIT(CHAN_FRAME_HELLO));
	is_int(chan_frame_decoder_wanted(&d), 5, "decoder first wants the 5 header bytes");
	is_int(chan_frame_decoder_feed(&d, frame, n, &used), CHAN_FRAME_DONE, "whole frame at once: DONE");
	is_int(used, 37, "  all 37 bytes used");
	ok(d.type == CHAN_FRAME_HELLO && d.len == 32 && memcmp(d.buf, nonce, 32) == 0, "  type, length, payload");
	is_int(chan_frame_decoder_wanted(&d), 0, "  wants nothing more");
	is_int(chan_frame_decoder_feed(&d, frame, n, &used), CHAN_FRAME_DONE, "  feeding after DONE stays DONE");
	is_int(used, 0, "  and takes nothing");
	is_int(chan_frame_decoder_eof(&d), CHAN_FRAME_DONE, "  end of stream after a whole frame is fine");

	/* One byte at a time: partial header and partial body. */
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	int st = CHAN_FRAME_MORE;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 3)
			is_int(chan_frame_decoder_wanted(&d), 2, "after 3 header bytes, 2 wanted");
		if (i == 10)
			is_int(chan_frame_decoder_wanted(&d), 27, "after 5 payload bytes, 27 wanted");
		st = chan_frame_decoder_feed(&d, frame + i, 1, &used);
		total += used;
		if (i + 1 < n && st != CHAN_FRAME_MORE)
			break;
	}
	ok(st == CHAN_FRAME_DONE && total == n && memcmp(d.buf, nonce, 32) == 0, "byte-by-byte feeding decodes the same");

	/* Two frames back to back: the decoder stops at the first one's end. */
	uint8_t two[80];
	size_t n1 = chan_frame_encode(two, sizeof(two), CHAN_FRAME_REJECT, (const uint8_t *)"no", 2, err, sizeof(err));
	size_t n2 = chan_frame_encode(two + n1, sizeof(two) - n1, CHAN_FRAME_RESULT, (const uint8_t *)"\0ok", 3, err,
				      sizeof(err));
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	is_int(chan_frame_decoder_feed(&d, two, n1 + n2, &used), CHAN_FRAME_DONE, "first of two frames decoded");
	is_int(used, n1, "  only its 7 bytes taken");
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	is_int(chan_frame_decoder_feed(&d, two + used, n1 + n2 - used, &used), CHAN_FRAME_DONE, "then the second");
	ok(d.type == CHAN_FRAME_RESULT && d.len == 3, "  RESULT of 3 bytes");

	/* Empty payload: DONE right after the header. */
	n = chan_frame_encode(frame, sizeof(frame), CHAN_FRAME_REJECT, NULL, 0, err, sizeof(err));
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	ok(n == 5 && chan_frame_decoder_feed(&d, frame, n, &used) == CHAN_FRAME_DONE && d.len == 0,
	   "a frame with an empty payload is DONE after its header");
}

static void test_decoder_errors(void)
{
	uint8_t buf[64], hdr[5];
	struct chan_frame_decoder d;
	size_t used;

	/* Oversize: refused from the header, before any payload. */
	hdr[0] = CHAN_FRAME_EVIDENCE;
	be32_store(hdr + 1, 70000);
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	is_int(chan_frame_decoder_feed(&d, hdr, 5, &used), CHAN_FRAME_ERROR, "oversized EVIDENCE header: ERROR");
	is_str(d.err, "EVIDENCE frame of 70000 bytes exceeds 65536", "  message");
	is_int(chan_frame_decoder_wanted(&d), 0, "  nothing more wanted");
	is_int(chan_frame_decoder_feed(&d, hdr, 5, &used), CHAN_FRAME_ERROR, "  stays in ERROR");

	hdr[0] = 9;
	be32_store(hdr + 1, 1);
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	is_int(chan_frame_decoder_feed(&d, hdr, 5, &used), CHAN_FRAME_ERROR, "unknown type: ERROR");
	is_str(d.err, "frame type 9 is unknown", "  message");

	hdr[0] = CHAN_FRAME_SECRETS;
	be32_store(hdr + 1, 100);
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	is_int(chan_frame_decoder_feed(&d, hdr, 5, &used), CHAN_FRAME_ERROR, "frame larger than the buffer: ERROR");
	is_str(d.err, "SECRETS frame of 100 bytes exceeds the 64-byte receive buffer", "  message");

	be32_store(hdr + 1, 10);
	chan_frame_decoder_init(&d, buf, sizeof(buf), CHAN_FRAME_BIT(CHAN_FRAME_HELLO));
	is_int(chan_frame_decoder_feed(&d, hdr, 5, &used), CHAN_FRAME_ERROR, "type not expected now: ERROR");
	is_str(d.err, "expected HELLO, got a SECRETS frame", "  message");
	chan_frame_decoder_init(&d, buf, sizeof(buf),
				CHAN_FRAME_BIT(CHAN_FRAME_REJECT) | CHAN_FRAME_BIT(CHAN_FRAME_SECRETS));
	hdr[0] = CHAN_FRAME_EVIDENCE;
	is_int(chan_frame_decoder_feed(&d, hdr, 5, &used), CHAN_FRAME_ERROR, "EVIDENCE when REJECT/SECRETS expected");
	is_str(d.err, "expected REJECT or SECRETS, got a EVIDENCE frame", "  message lists both");

	/* Short reads. */
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	chan_frame_decoder_feed(&d, hdr, 3, &used);
	is_int(chan_frame_decoder_eof(&d), CHAN_FRAME_ERROR, "stream ends inside the header: ERROR");
	is_str(d.err, "stream ended after 3 of the 5 frame header bytes", "  message");
	hdr[0] = CHAN_FRAME_REJECT;
	chan_frame_decoder_init(&d, buf, sizeof(buf), 0);
	chan_frame_decoder_feed(&d, hdr, 5, &used);
	chan_frame_decoder_feed(&d, (const uint8_t *)"abcd", 4, &used);
	is_int(chan_frame_decoder_eof(&d), CHAN_FRAME_ERROR, "stream ends inside the payload: ERROR");
	is_str(d.err, "stream ended after 4 of the 10 bytes of a REJECT frame", "  message");

	/* A maximal EVIDENCE frame in odd-sized chunks. */
	static uint8_t evbuf[CHAN_EVIDENCE_MAX];
	char err[160];
	for (size_t i = 0; i < CHAN_EVIDENCE_MAX; i++)
		payload_buf[i] = (uint8_t)(i * 31);
	size_t n = chan_frame_encode(big, sizeof(big), CHAN_FRAME_EVIDENCE, payload_buf, CHAN_EVIDENCE_MAX, err,
				     sizeof(err));
	chan_frame_decoder_init(&d, evbuf, sizeof(evbuf), CHAN_FRAME_BIT(CHAN_FRAME_EVIDENCE));
	ok(feed_chunks(&d, big, n, 977, &used) == CHAN_FRAME_DONE && used == n &&
		   memcmp(evbuf, payload_buf, CHAN_EVIDENCE_MAX) == 0,
	   "65536-byte EVIDENCE frame in 977-byte chunks");
}

static void test_evidence(void)
{
	static uint8_t report[CHAN_REPORT_LEN], out[CHAN_EVIDENCE_MAX], table[300];
	struct chan_evidence ev = {0}, got;
	char err[200];

	memset(report, 0xa5, sizeof(report));
	memset(table, 0x3c, sizeof(table));
	ev.report = report;
	ev.boot_facts = "kernel 6.1\nmodules 12\n";
	ev.boot_facts_len = strlen(ev.boot_facts);
	size_t n = chan_evidence_encode(out, sizeof(out), &ev, err, sizeof(err));
	is_int(n, 5 + CHAN_REPORT_LEN + 5 + ev.boot_facts_len, "EVIDENCE without certificates: report + facts");
	ok(chan_evidence_decode(&got, out, n, err, sizeof(err)) == 0, "  decodes");
	ok(got.report == out + 5 && got.cert_table == NULL && got.boot_facts_len == ev.boot_facts_len &&
		   memcmp(got.boot_facts, ev.boot_facts, got.boot_facts_len) == 0,
	   "  report in place, no certificate table, facts as sent");

	ev.cert_table = table;
	ev.cert_table_len = sizeof(table);
	n = chan_evidence_encode(out, sizeof(out), &ev, err, sizeof(err));
	ok(n > 0 && chan_evidence_decode(&got, out, n, err, sizeof(err)) == 0 && got.cert_table_len == sizeof(table) &&
		   memcmp(got.cert_table, table, sizeof(table)) == 0,
	   "EVIDENCE with a certificate table round-trips");
	ok(chan_evidence_decode(&got, out, n - 1, err, sizeof(err)) < 0, "one byte short refused");
	is_str(err, "EVIDENCE payload: item BOOT_FACTS claims 22 bytes but only 21 remain", "  message");

	/* Tampered layouts. */
	uint8_t bad[CHAN_REPORT_LEN + 64];
	size_t off = 0;
	memcpy(bad, out, 5 + CHAN_REPORT_LEN);
	off = 5 + CHAN_REPORT_LEN;
	ok(chan_evidence_decode(&got, bad, off, err, sizeof(err)) < 0, "report without boot facts refused");
	is_str(err, "EVIDENCE payload: required item BOOT_FACTS is missing", "  message");
	bad[off] = 7;
	be32_store(bad + off + 1, 0);
	ok(chan_evidence_decode(&got, bad, off + 5, err, sizeof(err)) < 0, "unknown tag refused");
	is_str(err, "EVIDENCE payload: item tag 7 at offset 1189 is unknown", "  message");
	bad[off] = CHAN_EV_REPORT;
	ok(chan_evidence_decode(&got, bad, off + 5, err, sizeof(err)) < 0, "repeated REPORT refused");
	is_str(err, "EVIDENCE payload: item REPORT at offset 1189 is repeated or out of order", "  message");
	bad[off] = CHAN_EV_BOOT_FACTS;
	be32_store(bad + off + 1, 2);
	bad[off + 5] = 'a';
	bad[off + 6] = 0x1b;
	ok(chan_evidence_decode(&got, bad, off + 7, err, sizeof(err)) < 0, "escape character in boot facts refused");
	is_str(err, "EVIDENCE payload: item BOOT_FACTS: byte 0x1b at offset 1 is not printable text", "  message");
	ok(chan_evidence_decode(&got, bad, off + 3, err, sizeof(err)) < 0, "cut item header refused");
	is_str(err, "EVIDENCE payload: item header at offset 1189 cut short (3 of 5 bytes)", "  message");

	bad[0] = CHAN_EV_REPORT;
	be32_store(bad + 1, CHAN_REPORT_LEN - 1);
	ok(chan_evidence_decode(&got, bad, 5 + CHAN_REPORT_LEN - 1, err, sizeof(err)) < 0, "1183-byte report refused");
	is_str(err, "EVIDENCE payload: item REPORT is 1183 bytes, expected exactly 1184", "  message");
	bad[0] = CHAN_EV_BOOT_FACTS;
	be32_store(bad + 1, 0);
	bad[5] = CHAN_EV_REPORT;
	be32_store(bad + 6, 0);
	ok(chan_evidence_decode(&got, bad, 10, err, sizeof(err)) < 0, "items out of order refused");
	ok(chan_evidence_decode(&got, bad, 0, err, sizeof(err)) < 0, "empty payload refused");
	is_str(err, "EVIDENCE payload: required item REPORT is missing", "  message");

	ev.cert_table = NULL;
	ev.boot_facts = "bell\a";
	ev.boot_facts_len = 5;
	ok(chan_evidence_encode(out, sizeof(out), &ev, err, sizeof(err)) == 0, "encoder refuses non-text boot facts");
	static char long_facts[CHAN_BOOT_FACTS_MAX + 2];
	memset(long_facts, 'x', sizeof(long_facts) - 1);
	ev.boot_facts = long_facts;
	ev.boot_facts_len = CHAN_BOOT_FACTS_MAX + 1;
	ok(chan_evidence_encode(out, sizeof(out), &ev, err, sizeof(err)) == 0, "encoder refuses 4097 bytes of facts");
	is_str(err, "EVIDENCE payload: item BOOT_FACTS is 4097 bytes, expected 0 to 4096", "  message");
	ev.boot_facts_len = 10;
	ok(chan_evidence_encode(out, 1000, &ev, err, sizeof(err)) == 0, "encoder refuses a small buffer");
	is_str(err, "EVIDENCE payload does not fit in 1000 bytes", "  message");
	ev.cert_table = payload_buf;
	ev.cert_table_len = CHAN_EVIDENCE_MAX - CHAN_REPORT_LEN;
	ok(chan_evidence_encode(out, sizeof(out), &ev, err, sizeof(err)) == 0,
	   "encoder refuses evidence larger than one frame");
}

static void test_secrets_result_reject(void)
{
	uint8_t key[64], out[CHAN_SECRETS_MAX], bad[600];
	struct chan_secrets s = {key, sizeof(key)}, got;
	struct chan_result r;
	char err[200];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xf0 ^ i);
	size_t n = chan_secrets_encode(out, sizeof(out), &s, err, sizeof(err));
	is_int(n, 5 + 64, "SECRETS with a 64-byte key is 69 bytes");
	ok(chan_secrets_decode(&got, out, n, err, sizeof(err)) == 0 && got.disk_key == out + 5 &&
		   got.disk_key_len == 64 && memcmp(got.disk_key, key, 64) == 0,
	   "  decodes in place");
	out[n] = 2;
	be32_store(out + n + 1, 0);
	ok(chan_secrets_decode(&got, out, n + 5, err, sizeof(err)) < 0, "unknown trailing item refused");
	is_str(err, "SECRETS payload: item tag 2 at offset 69 is unknown", "  message");
	s.disk_key_len = 0;
	ok(chan_secrets_encode(out, sizeof(out), &s, err, sizeof(err)) == 0, "empty disk key refused");
	is_str(err, "SECRETS payload: item DISK_KEY is 0 bytes, expected 1 to 512", "  message");
	memset(bad, 1, sizeof(bad));
	s.disk_key = bad;
	s.disk_key_len = 513;
	ok(chan_secrets_encode(out, sizeof(out), &s, err, sizeof(err)) == 0, "513-byte disk key refused");
	s.disk_key_len = 512;
	ok(chan_secrets_encode(out, sizeof(out), &s, err, sizeof(err)) == 517, "512-byte disk key accepted");
	ok(chan_secrets_decode(&got, out, 0, err, sizeof(err)) < 0, "empty SECRETS refused");
	is_str(err, "SECRETS payload: required item DISK_KEY is missing", "  message");

	n = chan_result_encode(out, sizeof(out), CHAN_RESULT_RETRY, "wrong key (2 attempts left)", err, sizeof(err));
	ok(n == 28 && chan_result_decode(&r, out, n, err, sizeof(err)) == 0 && r.status == CHAN_RESULT_RETRY &&
		   r.detail_len == 27 && memcmp(r.detail, "wrong key (2 attempts left)", 27) == 0,
	   "RESULT round-trips status and detail");
	is_str(chan_result_status_name(r.status), "failed, retry allowed", "  status name");
	out[0] = 9;
	ok(chan_result_decode(&r, out, n, err, sizeof(err)) < 0, "unknown RESULT status refused");
	is_str(err, "RESULT status 9 is unknown", "  message");
	ok(chan_result_decode(&r, out, 0, err, sizeof(err)) < 0, "empty RESULT refused");
	ok(chan_result_encode(out, sizeof(out), CHAN_RESULT_OK, "tab\there", err, sizeof(err)) == 0,
	   "control characters in the detail refused");
	ok(chan_result_encode(out, sizeof(out), CHAN_RESULT_OK, NULL, err, sizeof(err)) == 1, "RESULT ok without detail");

	ok(chan_reject_check((const uint8_t *)"measurement differs", 19, err, sizeof(err)) == 0, "REJECT text accepted");
	ok(chan_reject_check((const uint8_t *)"", 0, err, sizeof(err)) < 0, "empty REJECT refused");
	ok(chan_reject_check((const uint8_t *)"x\x7f", 2, err, sizeof(err)) < 0, "DEL in REJECT refused");
	is_str(err, "REJECT reason: byte 0x7f at offset 1 is not printable text", "  message");
}

int main(void)
{
	test_check_messages();
	test_encode_decode();
	test_decoder_errors();
	test_evidence();
	test_secrets_result_reject();
	return done_testing();
}
