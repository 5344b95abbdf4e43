/* TEST-ONLY key source, for end-to-end tests of the boot flow before the
 * attested channel exists: it fetches the key over plain TCP from the address
 * in the kernel command line word snpboot_test.key_server=IP:PORT. It is
 * INSECURE by design, compiled only with -DSNPBOOT_TEST_KEYSOURCE into test
 * initramfs images, and `make initramfs` refuses any /init containing the
 * marker below. Frames: server sends u32 BE length + key; we answer one line
 * "ok" or "error: why" after the unlock. */
#ifndef SNPBOOT_TEST_KEYSOURCE
#error "keysource_test.c is for test builds only"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bytes.h"
#include "clock.h"
#include "keysource.h"
#include "log.h"
#include "timeline.h"

/* Looked for by the build; see Makefile (initramfs refuses it). */
const char snpboot_test_keysource_marker[] = "SNPBOOT-INSECURE-TEST-KEYSOURCE";

static int session_fd = -1;

const char *keysource_name(void) { return snpboot_test_keysource_marker; }

static int find_server(struct sockaddr_in *sa, char *err, size_t err_len)
{
	char line[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, line, sizeof line - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(err, err_len, "cannot read /proc/cmdline");
		return -1;
	}
	line[n] = '\0';
	const char *w = strstr(line, "snpboot_test.key_server=");
	char ip[16];
	unsigned port;
	if (!w || sscanf(w + strlen("snpboot_test.key_server="), "%15[0-9.]:%u", ip, &port) != 2 || port > 65535) {
		snprintf(err, err_len, "test key source: no snpboot_test.key_server=IP:PORT on the command line");
		return -1;
	}
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int read_full(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int keysource_obtain(const struct boot_config *cfg, const struct net_state *net, struct disk_key *key, char *err,
		     size_t err_len)
{
	(void)net;
	struct sockaddr_in sa;
	if (find_server(&sa, err, err_len) != 0)
		return -1;
	log_warn("key: using the INSECURE test key source (test build only)");
	uint64_t wait_start = boottime_ms();
	uint64_t deadline = boottime_ms() + (uint64_t)cfg->channel.deadline_s * 1000;
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, err_len, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			uint8_t len_be[4];
			struct timeval tv = {.tv_sec = 30};
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			if (read_full(fd, len_be, 4) != 0 || be32_load(len_be) == 0 || be32_load(len_be) > DISK_KEY_MAX ||
			    read_full(fd, key->bytes, be32_load(len_be)) != 0) {
				close(fd);
				secure_wipe(key, sizeof *key);
				snprintf(err, err_len, "test key source: bad or short key frame");
				return -1;
			}
			key->len = be32_load(len_be);
			session_fd = fd;
			timeline_note_wait(boottime_ms() - wait_start);
			log_info("key: received %zu bytes from the test key server", key->len);
			return 0;
		}
		close(fd);
		if (boottime_ms() > deadline) {
			snprintf(err, err_len, "test key source: cannot connect: %s", strerror(errno));
			return -1;
		}
		sleep_ms(200);
	}
}

void keysource_report(enum keysource_outcome outcome, const char *detail)
{
	int unlock_ok = outcome == KEYSOURCE_OK;
	char line[256];
	if (session_fd < 0)
		return;
	int n = snprintf(line, sizeof line, "%s%s\n", unlock_ok ? "ok" : "error: ", unlock_ok ? "" : detail);
	if (n > 0 && write(session_fd, line, (size_t)n) < 0)
		log_warn("key: could not report the result: %s", strerror(errno));
	close(session_fd);
	session_fd = -1;
}
