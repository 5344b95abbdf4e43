/*
 * Frames of the attested channel, carried inside TLS:
 *
 *   type (1 byte) || length (4 bytes, big-endian) || payload (length bytes)
 *
 *   owner -> guest  HELLO     exactly 32 bytes: the owner's fresh nonce
 *   guest -> owner  EVIDENCE  <= 64 KiB: report, certificates, boot facts (chan_payload.h)
 *   owner -> guest  REJECT    <= 1 KiB: why the evidence was refused (text)
 *   owner -> guest  SECRETS   <= 4 KiB: the disk key (chan_payload.h)
 *   guest -> owner  RESULT    <= 1 KiB: whether the unlock worked (chan_payload.h)
 *
 * Type 0 is reserved as invalid; unknown types, lengths over a type's
 * maximum (or its exact size) and frames cut short are errors that name the
 * frame: "frame type 9 is unknown", "EVIDENCE frame of 70000 bytes exceeds
 * 65536". The decoder is incremental (fed any number of bytes at a time),
 * never reads past the current frame, and stores the payload in a caller
 * buffer: nothing is allocated.
 */
#ifndef SNPBOOT_CHAN_FRAME_H
#define SNPBOOT_CHAN_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum chan_frame_type {
	CHAN_FRAME_INVALID = 0,
	CHAN_FRAME_HELLO = 1,
	CHAN_FRAME_EVIDENCE = 2,
	CHAN_FRAME_REJECT = 3,
	CHAN_FRAME_SECRETS = 4,
	CHAN_FRAME_RESULT = 5,
};
#define CHAN_FRAME_TYPE_MAX 5
/* Set of types for chan_frame_decoder_init's `allowed`. */
#define CHAN_FRAME_BIT(type) (1u << (type))

#define CHAN_FRAME_HEADER_LEN 5
#define CHAN_NONCE_LEN 32
#define CHAN_EVIDENCE_MAX 65536
#define CHAN_REJECT_MAX 1024
#define CHAN_SECRETS_MAX 4096
#define CHAN_RESULT_MAX 1024
#define CHAN_FRAME_MAX_PAYLOAD CHAN_EVIDENCE_MAX

/* "HELLO", "EVIDENCE", ...; NULL for 0 and unknown types. */
const char *chan_frame_type_name(unsigned type);
/* Largest payload of the type (HELLO: its exact size); 0 if unknown. */
size_t chan_frame_max_payload(unsigned type);

/* 0 if a frame of this type and payload length may exist, else -1 with err. */
int chan_frame_check(unsigned type, uint64_t len, char *err, size_t err_len);

/* The 5 header bytes. Returns 0, or -1 with err if chan_frame_check fails. */
int chan_frame_header(uint8_t hdr[CHAN_FRAME_HEADER_LEN], unsigned type, size_t len, char *err, size_t err_len);

/* Header and payload into out. Returns the frame length, or 0 with err if
 * the frame is invalid or out (cap bytes) too small. */
size_t chan_frame_encode(uint8_t *out, size_t cap, unsigned type, const uint8_t *payload, size_t len, char *err,
			 size_t err_len);

enum chan_frame_status {
	CHAN_FRAME_ERROR = -1,
	CHAN_FRAME_MORE = 0, /* feed more bytes */
	CHAN_FRAME_DONE = 1, /* type, len, buf hold a whole frame */
};

struct chan_frame_decoder {
	uint8_t *buf;      /* payload storage (caller's; holds secrets for SECRETS) */
	size_t cap;
	unsigned allowed;  /* CHAN_FRAME_BIT set of the types expected now */
	uint8_t hdr[CHAN_FRAME_HEADER_LEN];
	size_t hdr_have;
	unsigned type;     /* valid once the header is in */
	size_t len;
	size_t body_have;
	int status;
	char err[128];
};

/* Starts a frame. allowed: the types the protocol expects at this point
 * (others are refused as soon as the header is in: "expected HELLO, got
 * SECRETS frame"); 0 means any known type. */
void chan_frame_decoder_init(struct chan_frame_decoder *d, uint8_t *buf, size_t cap, unsigned allowed);

/*
 * Takes bytes of the current frame from in (at most len, never past the
 * frame's end); *used says how many. Returns the status; after ERROR,
 * d->err says why. Once DONE or ERROR, nothing more is taken.
 */
int chan_frame_decoder_feed(struct chan_frame_decoder *d, const uint8_t *in, size_t len, size_t *used);

/* Bytes still needed to finish the current frame as far as known (the rest
 * of the header, then the rest of the payload); 0 when DONE or ERROR. */
size_t chan_frame_decoder_wanted(const struct chan_frame_decoder *d);

/* The end of input while a frame is incomplete: sets the error ("stream
 * ended after 3 of the 5 header bytes"). Returns CHAN_FRAME_ERROR, or
 * CHAN_FRAME_DONE if the frame was complete. */
int chan_frame_decoder_eof(struct chan_frame_decoder *d);

#endif
