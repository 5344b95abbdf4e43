/* Frames over TLS; see chan_frame_io.h. */
#include "chan_frame_io.h"

#include <stdio.h>
#include <string.h>

int chan_frame_send(struct chan_io *io, unsigned type, const uint8_t *payload, size_t len, char *err,
		    size_t err_len)
{
	uint8_t hdr[CHAN_FRAME_HEADER_LEN];
	if (chan_frame_header(hdr, type, len, err, err_len))
		return -1;
	if (chan_io_write(io, hdr, sizeof(hdr), err, err_len) || chan_io_write(io, payload, len, err, err_len) ||
	    chan_io_flush(io, err, err_len)) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, err_len, "sending the %s frame: %s", chan_frame_type_name(type), why);
		return -1;
	}
	return 0;
}

int chan_frame_recv(struct chan_io *io, struct chan_frame_decoder *d, char *err, size_t err_len)
{
	while (d->status == CHAN_FRAME_MORE) {
		const uint8_t *data;
		size_t avail, used;
		if (chan_io_peek(io, &data, &avail, err, err_len)) {
			char why[256];
			snprintf(why, sizeof(why), "%s", err);
			/* Say where in the frame the stream broke off. */
			if (d->hdr_have == 0)
				snprintf(err, err_len, "waiting for a frame: %s", why);
			else if (d->hdr_have < CHAN_FRAME_HEADER_LEN)
				snprintf(err, err_len, "after %zu of the %d frame header bytes: %s", d->hdr_have,
					 CHAN_FRAME_HEADER_LEN, why);
			else
				snprintf(err, err_len, "after %zu of the %zu bytes of a %s frame: %s", d->body_have,
					 d->len, chan_frame_type_name(d->type), why);
			return -1;
		}
		/* Feed at most what this frame still needs: the rest stays in
		 * the engine for the next frame. */
		size_t want = chan_frame_decoder_wanted(d);
		chan_frame_decoder_feed(d, data, avail < want ? avail : want, &used);
		chan_io_consume(io, used);
	}
	if (d->status == CHAN_FRAME_ERROR) {
		snprintf(err, err_len, "%s", d->err);
		return -1;
	}
	return 0;
}
