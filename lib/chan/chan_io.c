/* BearSSL engine over a socket with a deadline; see chan_io.h. */
#include "chan_io.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "chan_tls_err.h"

/* How long chan_io_close waits for the peer's close_notify at most. */
#define CLOSE_WAIT_MS 1000

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void chan_io_init(struct chan_io *io, br_ssl_engine_context *eng, int fd, const char *peer_detail)
{
	memset(io, 0, sizeof(*io));
	io->eng = eng;
	io->fd = fd;
	io->peer_detail = peer_detail;
}

void chan_io_set_timeout(struct chan_io *io, unsigned timeout_ms)
{
	io->timeout_ms = timeout_ms;
	io->deadline_ms = timeout_ms ? now_ms() + timeout_ms : 0;
}

/* Records the error and marks the connection dead: after a timeout or a
 * socket error the TLS state is unknown, so nothing more is sent or read
 * (BearSSL 0.6 has no public call to fail an engine; the flag does it). */
__attribute__((format(printf, 4, 5))) static int io_fail(struct chan_io *io, char *err, size_t err_len,
							const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(io->failure, sizeof(io->failure), fmt, ap);
	va_end(ap);
	if (err && err_len)
		snprintf(err, err_len, "%s", io->failure);
	io->failed = 1;
	return -1;
}

/* Waits until the socket is ready for events, or the deadline passes. */
static int wait_fd(struct chan_io *io, short events, const char *phase, char *err, size_t err_len)
{
	for (;;) {
		int timeout = -1;
		if (io->deadline_ms) {
			int64_t left = io->deadline_ms - now_ms();
			if (left <= 0)
				return io_fail(io, err, err_len, "timed out after %u ms waiting for the peer %s",
					       io->timeout_ms, phase);
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		struct pollfd p = {.fd = io->fd, .events = events};
		int n = poll(&p, 1, timeout);
		if (n < 0 && errno != EINTR)
			return io_fail(io, err, err_len, "poll %s: %s", phase, strerror(errno));
		if (n > 0)
			return 0; /* ready, or hangup/error: send/recv will say which */
	}
}

/* The engine is closed: say why. */
static int closed_error(struct chan_io *io, const char *phase, char *err, size_t err_len)
{
	int code = br_ssl_engine_last_error(io->eng);
	char why[200];
	if (code == BR_ERR_OK) {
		snprintf(err, err_len, "the peer closed the TLS connection %s", phase);
		return -1;
	}
	/* Certificate refusals: our br_x509_class knows the details. */
	if (code >= BR_ERR_X509_OK && code < BR_ERR_RECV_FATAL_ALERT && io->peer_detail && io->peer_detail[0])
		snprintf(why, sizeof(why), "%s", io->peer_detail);
	else
		chan_tls_describe(code, why, sizeof(why));
	snprintf(err, err_len, "TLS failed %s: %s", phase, why);
	return -1;
}

static int send_records(struct chan_io *io, const char *phase, char *err, size_t err_len)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_sendrec_buf(io->eng, &len);
	ssize_t n = send(io->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return wait_fd(io, POLLOUT, phase, err, err_len);
		if (errno == EPIPE || errno == ECONNRESET)
			return io_fail(io, err, err_len, "the peer closed the connection %s (%s)", phase, strerror(errno));
		return io_fail(io, err, err_len, "sending %s: %s", phase, strerror(errno));
	}
	br_ssl_engine_sendrec_ack(io->eng, (size_t)n);
	return 0;
}

static int recv_records(struct chan_io *io, const char *phase, char *err, size_t err_len)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_recvrec_buf(io->eng, &len);
	ssize_t n = recv(io->fd, buf, len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return wait_fd(io, POLLIN, phase, err, err_len);
		if (errno == ECONNRESET)
			return io_fail(io, err, err_len, "the peer reset the connection %s", phase);
		return io_fail(io, err, err_len, "receiving %s: %s", phase, strerror(errno));
	}
	if (n == 0)
		return io_fail(io, err, err_len, "the peer closed the connection %s (no TLS close_notify)", phase);
	io->received += (uint64_t)n;
	br_ssl_engine_recvrec_ack(io->eng, (size_t)n);
	return 0;
}

/*
 * Drives the engine until its state has one of the target bits
 * (BR_SSL_SENDAPP, BR_SSL_RECVAPP), sending queued records first.
 */
static int run_until(struct chan_io *io, unsigned target, const char *phase, char *err, size_t err_len)
{
	if (io->failed) {
		snprintf(err, err_len, "connection unusable after an earlier error (%s)", io->failure);
		return -1;
	}
	for (;;) {
		unsigned st = br_ssl_engine_current_state(io->eng);
		if (st & BR_SSL_CLOSED)
			return closed_error(io, phase, err, err_len);
		if (st & BR_SSL_SENDREC) {
			if (send_records(io, phase, err, err_len))
				return -1;
			continue;
		}
		if (st & target)
			return 0;
		if (st & BR_SSL_RECVAPP)
			/* The protocol is strictly request/response: data from
			 * the peer while we want to send is a protocol error. */
			return io_fail(io, err, err_len, "the peer sent data out of turn %s", phase);
		if (st & BR_SSL_RECVREC) {
			if (recv_records(io, phase, err, err_len))
				return -1;
			continue;
		}
		/* Waiting to read but only SENDAPP is possible: push out the
		 * buffered data so that a record can come in. */
		br_ssl_engine_flush(io->eng, 0);
		if (br_ssl_engine_current_state(io->eng) == st)
			return io_fail(io, err, err_len, "TLS engine stuck %s (state 0x%x)", phase, st);
	}
}

int chan_io_handshake(struct chan_io *io, char *err, size_t err_len)
{
	return run_until(io, BR_SSL_SENDAPP | BR_SSL_RECVAPP, "during the TLS handshake", err, err_len);
}

int chan_io_write(struct chan_io *io, const void *buf, size_t len, char *err, size_t err_len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		size_t room;
		if (run_until(io, BR_SSL_SENDAPP, "while sending", err, err_len))
			return -1;
		unsigned char *dst = br_ssl_engine_sendapp_buf(io->eng, &room);
		size_t n = len < room ? len : room;
		memcpy(dst, p, n);
		br_ssl_engine_sendapp_ack(io->eng, n);
		p += n;
		len -= n;
	}
	return 0;
}

int chan_io_flush(struct chan_io *io, char *err, size_t err_len)
{
	br_ssl_engine_flush(io->eng, 0);
	/* SENDREC is served before the target is looked at: this returns
	 * once every record has been handed to the socket. */
	return run_until(io, BR_SSL_SENDAPP, "while sending", err, err_len);
}

int chan_io_peek(struct chan_io *io, const uint8_t **data, size_t *len, char *err, size_t err_len)
{
	if (run_until(io, BR_SSL_RECVAPP, "while receiving", err, err_len))
		return -1;
	*data = br_ssl_engine_recvapp_buf(io->eng, len);
	return 0;
}

void chan_io_consume(struct chan_io *io, size_t n)
{
	if (n)
		br_ssl_engine_recvapp_ack(io->eng, n);
}

int chan_io_read_exact(struct chan_io *io, void *buf, size_t len, char *err, size_t err_len)
{
	uint8_t *p = buf;
	while (len > 0) {
		const uint8_t *src;
		size_t avail;
		if (chan_io_peek(io, &src, &avail, err, err_len))
			return -1;
		size_t n = len < avail ? len : avail;
		memcpy(p, src, n);
		chan_io_consume(io, n);
		p += n;
		len -= n;
	}
	return 0;
}

void chan_io_close(struct chan_io *io)
{
	int64_t limit = now_ms() + CLOSE_WAIT_MS;
	if (!io->deadline_ms || io->deadline_ms > limit) {
		io->deadline_ms = limit;
		io->timeout_ms = CLOSE_WAIT_MS;
	}
	if (io->failed)
		return;
	br_ssl_engine_close(io->eng);
	/* Send our close_notify, and read (discarding any data) until the
	 * peer's arrives, so the socket is not closed with unread bytes (which
	 * makes the kernel reset the connection and may lose our last frame). */
	for (;;) {
		unsigned st = br_ssl_engine_current_state(io->eng);
		if (st & BR_SSL_CLOSED)
			return;
		if (st & BR_SSL_SENDREC) {
			if (send_records(io, "while closing", NULL, 0) || io->failed)
				return;
		} else if (st & BR_SSL_RECVAPP) {
			size_t len;
			br_ssl_engine_recvapp_buf(io->eng, &len);
			br_ssl_engine_recvapp_ack(io->eng, len);
		} else if (st & BR_SSL_RECVREC) {
			if (recv_records(io, "while closing", NULL, 0) || io->failed)
				return;
		} else {
			return;
		}
	}
}

const char *chan_io_suite(const struct chan_io *io)
{
	const char *s = chan_tls_suite_name(io->eng->session.cipher_suite);
	return s ? s : "(none)";
}
