/* The simulated platform: snp-sim on the host, reached over a
 * virtio-serial port (lib/sim_proto.h is the wire format). Without udev
 * there is no /dev/virtio-ports/NAME link, so the port is found by its
 * name in /sys/class/virtio-ports/vportNpM/name and opened as
 * /dev/vportNpM.
 *
 * virtio-serial details that shape the I/O: while the host side is not
 * connected, poll reports POLLHUP, reads return 0 and writes block, so the
 * port is used non-blocking and every wait is a poll with the time left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attest_impl.h"
#include "clock.h"
#include "simwire/sim_proto.h"

#define RETRY_MS 50
#define DRAIN_MAX (256u * 1024u) /* more stale input than this: a broken peer */

/* 1 if s looks like a kernel port name (vport0p1): letters and digits. */
static int plain_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static int name_matches(const char *class_dir, const char *port, const char *want)
{
	char path[512], buf[128];
	int n = snprintf(path, sizeof path, "%s/%s/name", class_dir, port);
	if (n < 0 || (size_t)n >= sizeof path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r;
	do
		r = read(fd, buf, sizeof buf - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r <= 0)
		return 0;
	size_t len = (size_t)r;
	if (buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return strlen(want) == len && memcmp(buf, want, len) == 0;
}

int attest_sim_find_port(const char *class_dir, const char *name, char *node, size_t node_len)
{
	DIR *d = opendir(class_dir);
	if (!d)
		return errno == ENOENT ? 0 : -1; /* ENOENT: virtio_console not probed yet */
	int found = 0;
	const struct dirent *de;
	while (!found && (de = readdir(d)) != NULL) {
		if (!plain_name(de->d_name) || !name_matches(class_dir, de->d_name, name))
			continue;
		int n = snprintf(node, node_len, "%s", de->d_name);
		found = n > 0 && (size_t)n < node_len;
	}
	closedir(d);
	return found;
}

static int time_left(uint64_t deadline)
{
	uint64_t now = boottime_ms();
	return now >= deadline ? 0 : (int)(deadline - now > 60000 ? 60000 : deadline - now);
}

/* Waits for `events` on fd until the deadline. 1 ready, 0 timed out,
 * -1 error; *revents gets what poll said. */
static int wait_fd(int fd, short events, uint64_t deadline, short *revents)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, time_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r > 0) {
			*revents = p.revents;
			return 1;
		}
		if (time_left(deadline) == 0)
			return 0;
	}
}

/* Discards whatever is already readable: a late answer to an earlier,
 * abandoned request must not be taken for ours. */
static int drain(int fd, char *err, size_t err_len)
{
	uint8_t junk[1024];
	size_t total = 0;
	for (;;) {
		ssize_t r = read(fd, junk, sizeof junk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return 0; /* host side not connected (EOF) or an error the send will show */
		total += (size_t)r;
		if (total > DRAIN_MAX) {
			snprintf(err, err_len, "sim: the port keeps delivering unrequested data");
			return -1;
		}
	}
}

static int send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline, char *err, size_t err_len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, err_len, "sim: sending the request: %s", strerror(errno));
			return -1;
		}
		short rev = 0;
		int r = time_left(deadline) ? wait_fd(fd, POLLOUT, deadline, &rev) : 0;
		if (r < 0) {
			snprintf(err, err_len, "sim: poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(err, err_len, "sim: timed out sending the request (is snp-sim connected to the port?)");
			return -1;
		}
		/* POLLHUP without POLLOUT: no host side yet; it may still come. */
		if ((rev & POLLHUP) && !(rev & POLLOUT))
			(void)poll(NULL, 0, time_left(deadline) < RETRY_MS ? time_left(deadline) : RETRY_MS);
	}
	return 0;
}

static int recv_exact(int fd, uint8_t *buf, size_t len, uint64_t deadline, const char *what, char *err,
		      size_t err_len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0) {
			snprintf(err, err_len, "sim: the simulator hung up after %zu of %zu bytes of the %s", got, len,
				 what);
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, err_len, "sim: reading the %s: %s", what, strerror(errno));
			return -1;
		}
		short rev = 0;
		int w = time_left(deadline) ? wait_fd(fd, POLLIN, deadline, &rev) : 0;
		if (w < 0) {
			snprintf(err, err_len, "sim: poll: %s", strerror(errno));
			return -1;
		}
		if (w == 0) {
			snprintf(err, err_len, "sim: no complete %s from the simulator in time (%zu of %zu bytes)", what,
				 got, len);
			return -1;
		}
	}
	return 0;
}

int attest_sim_parse(const uint8_t *buf, size_t len, struct attest_evidence *ev, char *err, size_t err_len)
{
	struct sim_response_header h;
	const char *why = "";
	ev->report_len = ev->certs_len = ev->manifest_len = 0;
	ev->has_manifest = 0;
	if (len < SIM_RESPONSE_HEADER_LEN) {
		snprintf(err, err_len, "sim: response of %zu bytes is shorter than its header", len);
		return -1;
	}
	if (sim_response_header_decode(&h, buf, &why) != 0) {
		snprintf(err, err_len, "sim: bad response: %s", why);
		return -1;
	}
	/* decode bounds each length, so the sum cannot overflow */
	size_t body = (size_t)h.report_len + h.certs_len + h.manifest_len + h.msg_len;
	if (len - SIM_RESPONSE_HEADER_LEN != body) {
		snprintf(err, err_len, "sim: response is %zu bytes, its header announces %zu", len,
			 SIM_RESPONSE_HEADER_LEN + body);
		return -1;
	}
	const uint8_t *p = buf + SIM_RESPONSE_HEADER_LEN;
	if (h.status != SIM_OK) {
		char msg[SIM_MSG_MAX + 1];
		static const char *const names[SIM_STATUS_COUNT] = {"ok", "bad request", "VMPL refused", "internal error",
								    "no such service"};
		attest_sanitize(msg, sizeof msg, p, h.msg_len);
		snprintf(err, err_len, "sim: the simulator refused (status %u, %s): %s", h.status,
			 h.status < SIM_STATUS_COUNT ? names[h.status] : "unknown", msg[0] ? msg : "(no message)");
		return -1;
	}
	size_t used;
	char tab[160];
	if (attest_certtable_used(p + h.report_len, h.certs_len, &used, tab, sizeof tab) != 0) {
		snprintf(err, err_len, "sim: %s", tab);
		return -1;
	}
	memcpy(ev->report, p, ATTEST_REPORT_LEN); /* report_len is 1184 when status is ok */
	ev->report_len = ATTEST_REPORT_LEN;
	memcpy(ev->certs, p + h.report_len, used);
	ev->certs_len = used;
	/* decode bounds manifest_len by SIM_MANIFEST_MAX = ATTEST_MANIFEST_MAX */
	memcpy(ev->manifest, p + h.report_len + h.certs_len, h.manifest_len);
	ev->manifest_len = h.manifest_len;
	ev->has_manifest = h.manifest_len > 0;
	snprintf(ev->provider, sizeof ev->provider, "sim");
	return 0;
}

int attest_sim_exchange(int fd, const uint8_t report_data[64], uint32_t vmpl, const struct attest_service *svc,
			uint32_t timeout_ms, struct attest_evidence *ev, char *err, size_t err_len)
{
	static uint8_t resp[SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + SIM_CERTS_MAX + SIM_MANIFEST_MAX + SIM_MSG_MAX];
	uint8_t req[SIM_REQUEST_LEN];
	struct sim_request r = {.vmpl = vmpl};
	struct sim_response_header h;
	const char *why = "";
	uint64_t deadline = boottime_ms() + timeout_ms;

	ev->report_len = ev->certs_len = ev->manifest_len = 0;
	ev->has_manifest = 0;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, err_len, "sim: fcntl: %s", strerror(errno));
		return -1;
	}
	if (drain(fd, err, err_len) != 0)
		return -1;
	memcpy(r.report_data, report_data, 64);
	if (svc) {
		/* The simulated configfs-tsm service_provider = "svsm". */
		r.vmpl = 0;
		r.service = SIM_SERVICE_SVSM;
		memcpy(r.service_guid, svc->guid_bin, 16);
		r.manifest_version = svc->manifest_version;
	}
	sim_request_encode(req, &r);
	if (send_all(fd, req, sizeof req, deadline, err, err_len) != 0)
		return -1;
	if (recv_exact(fd, resp, SIM_RESPONSE_HEADER_LEN, deadline, "response header", err, err_len) != 0)
		return -1;
	if (sim_response_header_decode(&h, resp, &why) != 0) {
		snprintf(err, err_len, "sim: bad response: %s", why);
		return -1;
	}
	size_t body = (size_t)h.report_len + h.certs_len + h.manifest_len + h.msg_len;
	if (body > sizeof resp - SIM_RESPONSE_HEADER_LEN) { /* cannot happen after decode; cheap to state */
		snprintf(err, err_len, "sim: response body of %zu bytes is too large", body);
		return -1;
	}
	if (recv_exact(fd, resp + SIM_RESPONSE_HEADER_LEN, body, deadline, "response body", err, err_len) != 0)
		return -1;
	if (attest_sim_parse(resp, SIM_RESPONSE_HEADER_LEN + body, ev, err, err_len) != 0)
		return -1;
	/* A service answer always counts as one with a manifest, even an empty
	 * one: the REPORT_DATA check then decides whether it is the SVSM's. */
	if (svc)
		ev->has_manifest = 1;
	return 0;
}

int attest_sim_get(const struct attest_env *env, const char *port_name, const uint8_t report_data[64],
		   uint32_t vmpl, const struct attest_service *svc, struct attest_evidence *ev, char *err,
		   size_t err_len)
{
	char node[64], path[512];
	uint64_t deadline = boottime_ms() + env->sim_port_wait_ms;
	ev->report_len = ev->certs_len = 0;
	if (!port_name || !port_name[0]) {
		snprintf(err, err_len, "sim: no port name configured (attestation.sim_port)");
		return -1;
	}
	/* The port and then its device node appear as virtio_console probes. */
	int fd = -1, found = 0;
	for (;;) {
		found = attest_sim_find_port(env->vport_class, port_name, node, sizeof node);
		if (found < 0) {
			snprintf(err, err_len, "sim: reading %s: %s", env->vport_class, strerror(errno));
			return -1;
		}
		if (found) {
			int n = snprintf(path, sizeof path, "%s/%s", env->dev_dir, node);
			if (n < 0 || (size_t)n >= sizeof path) {
				snprintf(err, err_len, "sim: device path too long");
				return -1;
			}
			fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
			if (fd >= 0)
				break;
			if (errno != ENOENT) {
				snprintf(err, err_len, "sim: open %s: %s", path, strerror(errno));
				return -1;
			}
		}
		int left = time_left(deadline);
		if (left == 0)
			break;
		(void)poll(NULL, 0, left < RETRY_MS ? left : RETRY_MS);
	}
	if (fd < 0) {
		if (found)
			snprintf(err, err_len, "sim: port \"%s\" is %s but %s did not appear within %u ms", port_name, node,
				 path, env->sim_port_wait_ms);
		else
			snprintf(err, err_len, "sim: no virtio-serial port named \"%s\" under %s within %u ms", port_name,
				 env->vport_class, env->sim_port_wait_ms);
		return -1;
	}
	int rc = attest_sim_exchange(fd, report_data, vmpl, svc, env->sim_timeout_ms, ev, err, err_len);
	close(fd);
	return rc;
}
