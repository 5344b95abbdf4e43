/* Frames (chan_frame.h) over a TLS connection (chan_io.h). */
#ifndef SNPBOOT_CHAN_FRAME_IO_H
#define SNPBOOT_CHAN_FRAME_IO_H

#include <stddef.h>
#include <stdint.h>

#include "chan_frame.h"
#include "chan_io.h"

/* Sends one frame and flushes it. Returns 0, or -1 with err. */
int chan_frame_send(struct chan_io *io, unsigned type, const uint8_t *payload, size_t len, char *err,
		    size_t err_len);

/*
 * Receives one frame into d (set up by chan_frame_decoder_init with the
 * buffer and the types expected now). Reads no byte past the frame. An
 * oversized or unexpected frame is refused from its header, before its
 * payload is read. Returns 0 with d->type, d->buf, d->len, or -1 with err.
 */
int chan_frame_recv(struct chan_io *io, struct chan_frame_decoder *d, char *err, size_t err_len);

#endif
