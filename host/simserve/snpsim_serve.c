/* snp-sim's socket server (snpsim_serve.h). */
#include "snpsim_serve.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err_text.h"

/* How often an idle wait looks at the stop flag (a signal may land just
 * before poll() starts and would otherwise go unnoticed). */
#define IDLE_POLL_MS 250

static int unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a->sun_path)
		return -1;
	memcpy(a->sun_path, path, strlen(path) + 1);
	return 0;
}

/* 1 if something accepts connections at path. */
static int socket_alive(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int alive = connect(fd, (const struct sockaddr *)a, sizeof *a) == 0;
	close(fd);
	return alive;
}

int snpsim_listen_unix(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un a;
	if (unix_addr(&a, path))
		return err_set(err, err_len, "%s: socket path longer than %zu bytes", path, sizeof a.sun_path - 1);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return err_set(err, err_len, "%s: exists and is not a socket; refusing to replace it", path);
		if (socket_alive(&a))
			return err_set(err, err_len, "%s: another process is serving on this socket", path);
		unlink(path); /* stale: its server is gone */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, err_len, "socket: %s", strerror(errno));
	if (bind(fd, (const struct sockaddr *)&a, sizeof a) != 0 || chmod(path, 0600) != 0 || listen(fd, 4) != 0) {
		int e = errno;
		close(fd);
		return err_set(err, err_len, "%s: %s", path, strerror(e));
	}
	return fd;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static void deadline_in(struct timespec *d, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

/* Waits for events on fd: 1 ready, 0 stop requested or the deadline passed (deadline NULL: none), -1 error. */
static int wait_fd(int fd, short events, const struct timespec *deadline, const struct snpsim_serve_opts *o)
{
	for (;;) {
		if (*o->stop)
			return 0;
		long wait = IDLE_POLL_MS;
		if (deadline) {
			long left = ms_left(deadline);
			if (left == 0)
				return 0;
			wait = left < wait ? left : wait;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)wait);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			return 1;
	}
}

enum read_result { READ_FULL, READ_CLOSED, READ_BROKEN };

/*
 * One request. The first byte may take forever (an idle guest); from then
 * on the rest has the timeout. A wrong magic is answered without waiting
 * for the rest: *got tells how many bytes there are.
 */
static enum read_result read_request(int fd, uint8_t req[SIM_REQUEST_LEN], size_t *got,
				     const struct snpsim_serve_opts *o, const char **why)
{
	struct timespec deadline;
	*got = 0;
	while (*got < SIM_REQUEST_LEN) {
		int r = wait_fd(fd, POLLIN, *got ? &deadline : NULL, o);
		if (r <= 0) {
			*why = r < 0 ? strerror(errno) : *o->stop ? "stopping" : "timed out in the middle of a request";
			return READ_BROKEN;
		}
		ssize_t n = recv(fd, req + *got, SIM_REQUEST_LEN - *got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*why = n < 0 ? strerror(errno) : "peer closed the connection in the middle of a request";
			return *got == 0 && n == 0 ? READ_CLOSED : READ_BROKEN;
		}
		if (*got == 0)
			deadline_in(&deadline, o->timeout_ms);
		*got += (size_t)n;
		if (*got >= 4 && memcmp(req, "SNPQ", 4) != 0)
			return READ_FULL; /* garbage: answer now, the stream is lost anyway */
	}
	return READ_FULL;
}

static int send_all(int fd, const uint8_t *p, size_t len, const struct snpsim_serve_opts *o)
{
	struct timespec deadline;
	deadline_in(&deadline, o->timeout_ms);
	while (len) {
		if (wait_fd(fd, POLLOUT, &deadline, o) <= 0)
			return -1;
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void log_outcome(const struct snpsim_serve_opts *o, const struct snpsim_sp *sp,
			const struct snpsim_outcome *out)
{
	char rd[17], m[17];
	if (!o->log)
		return;
	if (out->status != SIM_OK) {
		fprintf(o->log, "snp-sim: refused request: %s%s\n", out->msg, out->keep_open ? "" : " (closing the connection)");
		return;
	}
	hex_encode(rd, out->report_data, 8);
	hex_encode(m, sp->tmpl + 0x090, 8);
	if (out->service == SIM_SERVICE_SVSM)
		fprintf(o->log,
			"snp-sim: the simulated SVSM's vTPM service attestation (VMPL 0, %zu-byte manifest), nonce %s..., "
			"MEASUREMENT %s...%s\n",
			sp->vtpm_manifest_len, rd, m,
			sp->tamper_manifest ? " !!! TEST FAULT: manifest sent is NOT the one hashed" : "");
	else
		fprintf(o->log, "snp-sim: report for VMPL %u, REPORT_DATA %s..., MEASUREMENT %s...\n", out->vmpl, rd, m);
}

/* Requests on one connection until it closes or breaks. Returns the reports sent. */
static long serve_connection(int fd, const struct snpsim_sp *sp, const struct snpsim_serve_opts *o)
{
	static uint8_t resp[SNPSIM_RESPONSE_MAX];
	uint8_t req[SIM_REQUEST_LEN];
	long sent = 0;
	for (;;) {
		size_t got;
		const char *why = "";
		enum read_result r = read_request(fd, req, &got, o, &why);
		if (r == READ_CLOSED)
			return sent;
		if (r == READ_BROKEN) {
			if (o->log && !*o->stop)
				fprintf(o->log, "snp-sim: dropping the connection: %s (%zu of %d bytes read)\n", why, got,
					SIM_REQUEST_LEN);
			return sent;
		}
		struct snpsim_outcome out;
		size_t n = snpsim_sp_handle(sp, req, got, resp, &out);
		log_outcome(o, sp, &out);
		if (send_all(fd, resp, n, o) != 0) {
			if (o->log)
				fprintf(o->log, "snp-sim: dropping the connection: the response could not be sent\n");
			return sent;
		}
		if (out.status == SIM_OK)
			sent++;
		if (!out.keep_open || (o->once && sent))
			return sent;
	}
}

long snpsim_serve(int listen_fd, const struct snpsim_sp *sp, const struct snpsim_serve_opts *o)
{
	long sent = 0;
	while (!*o->stop && !(o->once && sent)) {
		int r = wait_fd(listen_fd, POLLIN, NULL, o);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
				continue;
			if (o->log)
				fprintf(o->log, "snp-sim: accept: %s\n", strerror(errno));
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				usleep(100000); /* resource shortage: back off instead of spinning */
				continue;
			}
			return -1;
		}
		if (o->log)
			fprintf(o->log, "snp-sim: client connected\n");
		sent += serve_connection(fd, sp, o);
		close(fd);
		if (o->log)
			fprintf(o->log, "snp-sim: client disconnected\n");
	}
	return sent;
}
