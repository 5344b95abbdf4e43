/* Channel frames: encoder and incremental decoder; see chan_frame.h. */
#include "chan_frame.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"

struct frame_kind {
	const char *name;
	size_t max;
	int exact; /* the payload must be exactly max bytes */
};

static const struct frame_kind kinds[CHAN_FRAME_TYPE_MAX + 1] = {
	[CHAN_FRAME_HELLO] = {"HELLO", CHAN_NONCE_LEN, 1},
	[CHAN_FRAME_EVIDENCE] = {"EVIDENCE", CHAN_EVIDENCE_MAX, 0},
	[CHAN_FRAME_REJECT] = {"REJECT", CHAN_REJECT_MAX, 0},
	[CHAN_FRAME_SECRETS] = {"SECRETS", CHAN_SECRETS_MAX, 0},
	[CHAN_FRAME_RESULT] = {"RESULT", CHAN_RESULT_MAX, 0},
};

const char *chan_frame_type_name(unsigned type) { return type <= CHAN_FRAME_TYPE_MAX ? kinds[type].name : NULL; }

size_t chan_frame_max_payload(unsigned type) { return type <= CHAN_FRAME_TYPE_MAX ? kinds[type].max : 0; }

int chan_frame_check(unsigned type, uint64_t len, char *err, size_t err_len)
{
	const char *name = chan_frame_type_name(type);
	if (type == CHAN_FRAME_INVALID)
		return err_set(err, err_len, "frame type 0 is reserved (invalid)");
	if (!name)
		return err_set(err, err_len, "frame type %u is unknown", type);
	if (kinds[type].exact && len != kinds[type].max)
		return err_set(err, err_len, "%s frame of %llu bytes, expected exactly %zu", name, (unsigned long long)len,
			    kinds[type].max);
	if (len > kinds[type].max)
		return err_set(err, err_len, "%s frame of %llu bytes exceeds %zu", name, (unsigned long long)len,
			    kinds[type].max);
	return 0;
}

int chan_frame_header(uint8_t hdr[CHAN_FRAME_HEADER_LEN], unsigned type, size_t len, char *err, size_t err_len)
{
	if (chan_frame_check(type, len, err, err_len))
		return -1;
	hdr[0] = (uint8_t)type;
	be32_store(hdr + 1, (uint32_t)len);
	return 0;
}

size_t chan_frame_encode(uint8_t *out, size_t cap, unsigned type, const uint8_t *payload, size_t len, char *err,
			 size_t err_len)
{
	uint8_t hdr[CHAN_FRAME_HEADER_LEN];
	if (chan_frame_header(hdr, type, len, err, err_len))
		return 0;
	if (cap < CHAN_FRAME_HEADER_LEN || len > cap - CHAN_FRAME_HEADER_LEN) {
		err_set(err, err_len, "%s frame of %zu bytes does not fit in a %zu-byte buffer", chan_frame_type_name(type),
		     len, cap);
		return 0;
	}
	memcpy(out, hdr, sizeof(hdr));
	if (len)
		memcpy(out + CHAN_FRAME_HEADER_LEN, payload, len);
	return CHAN_FRAME_HEADER_LEN + len;
}

void chan_frame_decoder_init(struct chan_frame_decoder *d, uint8_t *buf, size_t cap, unsigned allowed)
{
	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->cap = buf ? cap : 0;
	d->allowed = allowed;
	d->status = CHAN_FRAME_MORE;
}

/* Lists the allowed types, "HELLO or SECRETS", for the error message. */
static void allowed_names(unsigned allowed, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (unsigned t = 1; t <= CHAN_FRAME_TYPE_MAX; t++) {
		if (!(allowed & CHAN_FRAME_BIT(t)))
			continue;
		int w = snprintf(out + n, cap - n, "%s%s", n ? " or " : "", kinds[t].name);
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
}

static int header_done(struct chan_frame_decoder *d)
{
	d->type = d->hdr[0];
	d->len = be32_load(d->hdr + 1);
	if (chan_frame_check(d->type, d->len, d->err, sizeof(d->err)))
		return -1;
	if (d->allowed && !(d->allowed & CHAN_FRAME_BIT(d->type))) {
		char want[64];
		allowed_names(d->allowed, want, sizeof(want));
		return err_set(d->err, sizeof(d->err), "expected %s, got a %s frame", want, kinds[d->type].name);
	}
	if (d->len > d->cap)
		return err_set(d->err, sizeof(d->err), "%s frame of %zu bytes exceeds the %zu-byte receive buffer",
			    kinds[d->type].name, d->len, d->cap);
	return 0;
}

int chan_frame_decoder_feed(struct chan_frame_decoder *d, const uint8_t *in, size_t len, size_t *used)
{
	size_t taken = 0;
	while (d->status == CHAN_FRAME_MORE) {
		if (d->hdr_have < CHAN_FRAME_HEADER_LEN) {
			size_t n = CHAN_FRAME_HEADER_LEN - d->hdr_have;
			if (n > len - taken)
				n = len - taken;
			if (n == 0)
				break;
			memcpy(d->hdr + d->hdr_have, in + taken, n);
			d->hdr_have += n;
			taken += n;
			if (d->hdr_have == CHAN_FRAME_HEADER_LEN && header_done(d)) {
				d->status = CHAN_FRAME_ERROR;
				break;
			}
			continue;
		}
		if (d->body_have == d->len) {
			d->status = CHAN_FRAME_DONE;
			break;
		}
		size_t n = d->len - d->body_have;
		if (n > len - taken)
			n = len - taken;
		if (n == 0)
			break;
		memcpy(d->buf + d->body_have, in + taken, n);
		d->body_have += n;
		taken += n;
	}
	if (used)
		*used = taken;
	return d->status;
}

size_t chan_frame_decoder_wanted(const struct chan_frame_decoder *d)
{
	if (d->status != CHAN_FRAME_MORE)
		return 0;
	if (d->hdr_have < CHAN_FRAME_HEADER_LEN)
		return CHAN_FRAME_HEADER_LEN - d->hdr_have;
	return d->len - d->body_have;
}

int chan_frame_decoder_eof(struct chan_frame_decoder *d)
{
	if (d->status != CHAN_FRAME_MORE)
		return d->status;
	d->status = CHAN_FRAME_ERROR;
	if (d->hdr_have < CHAN_FRAME_HEADER_LEN)
		err_set(d->err, sizeof(d->err), "stream ended after %zu of the %d frame header bytes", d->hdr_have,
		     CHAN_FRAME_HEADER_LEN);
	else
		err_set(d->err, sizeof(d->err), "stream ended after %zu of the %zu bytes of a %s frame", d->body_have,
		     d->len, kinds[d->type].name);
	return d->status;
}
