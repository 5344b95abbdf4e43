/*
 * Blocking I/O of a BearSSL engine over a connected socket, with a
 * deadline: every wait is a poll() bounded by the time left, so a silent
 * or slow peer turns into an error ("timed out after 300 ms waiting for
 * the peer during the TLS handshake") rather than a hang. After any error
 * the connection is dead: later calls fail and say so.
 *
 * Sockets only (send/recv with MSG_DONTWAIT | MSG_NOSIGNAL: no SIGPIPE,
 * and no change to the descriptor's flags).
 */
#ifndef SNPBOOT_CHAN_IO_H
#define SNPBOOT_CHAN_IO_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

struct chan_io {
	br_ssl_engine_context *eng;
	int fd;
	int64_t deadline_ms;      /* CLOCK_MONOTONIC milliseconds; 0 = none */
	unsigned timeout_ms;      /* as set, for messages */
	const char *peer_detail;  /* why the peer's certificate was refused, if it was */
	int failed;               /* a timeout or socket error happened: connection dead */
	uint64_t received;        /* bytes ever read from the peer (0: it never said a thing) */
	char failure[160];
};

/* peer_detail: a chan_peer's err text, appended to certificate errors (may be NULL). */
void chan_io_init(struct chan_io *io, br_ssl_engine_context *eng, int fd, const char *peer_detail);
/* Deadline = now + timeout_ms for everything that follows (0: no deadline). */
void chan_io_set_timeout(struct chan_io *io, unsigned timeout_ms);

/* Runs the handshake to completion. Returns 0, or -1 with err. */
int chan_io_handshake(struct chan_io *io, char *err, size_t err_len);
/* Queues len bytes of application data (sending records as buffers fill). */
int chan_io_write(struct chan_io *io, const void *buf, size_t len, char *err, size_t err_len);
/* Sends everything queued. */
int chan_io_flush(struct chan_io *io, char *err, size_t err_len);
/*
 * Waits for application data and points *data at what the engine holds
 * (*len >= 1); chan_io_consume tells how much was used. A clean close by the
 * peer is an error here too ("the peer closed the connection"): callers
 * read only when the protocol says more is coming.
 */
int chan_io_peek(struct chan_io *io, const uint8_t **data, size_t *len, char *err, size_t err_len);
void chan_io_consume(struct chan_io *io, size_t n);
/* Reads exactly len bytes. */
int chan_io_read_exact(struct chan_io *io, void *buf, size_t len, char *err, size_t err_len);
/* Sends close_notify and waits (until the deadline) for the peer's; best effort. */
void chan_io_close(struct chan_io *io);

/* Cipher suite negotiated, e.g. "ECDHE-ECDSA-AES256-GCM-SHA384". */
const char *chan_io_suite(const struct chan_io *io);

#endif
