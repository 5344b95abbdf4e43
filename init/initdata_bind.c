/* Reading initdata from fw_cfg's sysfs tree and binding it to HOST_DATA:
 * pure logic with the paths and the report source passed in, so the host
 * unit tests run it against fake trees and fake providers. */
#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "initdata.h"

int initdata_read(const char *fw_cfg_root, uint8_t *buf, size_t cap, size_t *len, char *err, size_t err_len)
{
	char path[256];
	struct stat st;
	*len = 0;
	if (cap < 2) {
		snprintf(err, err_len, "initdata buffer too small");
		return -1;
	}
	if (stat(fw_cfg_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "no QEMU fw_cfg device (%s absent: module qemu_fw_cfg not loaded, or no fw_cfg)",
			 fw_cfg_root);
		return 0;
	}
	int n = snprintf(path, sizeof path, "%s/by_name/%s/raw", fw_cfg_root, INITDATA_FW_CFG_NAME);
	if (n < 0 || (size_t)n >= sizeof path) {
		snprintf(err, err_len, "fw_cfg path too long");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		snprintf(err, err_len, "the host passed no initdata (fw_cfg has no %s)", INITDATA_FW_CFG_NAME);
		return 0;
	}
	if (fd < 0) {
		snprintf(err, err_len, "open %s: %s", path, strerror(errno));
		return -1;
	}
	size_t used = 0;
	for (;;) {
		ssize_t r = read(fd, buf + used, cap - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_len, "read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		used += (size_t)r;
		if (used == cap) {
			snprintf(err, err_len, "initdata is larger than %zu bytes", cap - 1);
			close(fd);
			return -1;
		}
	}
	if (close(fd) != 0) {
		snprintf(err, err_len, "close %s: %s", path, strerror(errno));
		return -1;
	}
	*len = used;
	return 1;
}

void initdata_report_data(const uint8_t digest[32], uint8_t out[64])
{
	br_sha512_context h;
	br_sha512_init(&h);
	br_sha512_update(&h, INITDATA_REPORT_DATA_PREFIX, sizeof(INITDATA_REPORT_DATA_PREFIX) - 1);
	br_sha512_update(&h, digest, 32);
	br_sha512_out(&h, out);
}

int initdata_check_host_data(const uint8_t *report, size_t report_len, const uint8_t digest[32], char *err,
			     size_t err_len)
{
	if (report_len < INITDATA_HOST_DATA_OFFSET + 32) {
		snprintf(err, err_len, "report is %zu bytes, too short for HOST_DATA", report_len);
		return -1;
	}
	const uint8_t *got = report + INITDATA_HOST_DATA_OFFSET;
	if (memcmp(got, digest, 32) == 0)
		return 0;
	char want_hex[65], got_hex[65];
	hex_encode(want_hex, digest, 32);
	hex_encode(got_hex, got, 32);
	snprintf(err, err_len, "HOST_DATA mismatch: the launch's HOST_DATA is not SHA-256 of the initdata the host "
		 "handed in: expected %s (SHA-256 of initdata), got %s", want_hex, got_hex);
	return -1;
}

int initdata_bind(initdata_report_fn get, void *ctx, const uint8_t *doc, size_t len, uint8_t digest[32],
		  struct attest_evidence *ev, char *err, size_t err_len)
{
	br_sha256_context h;
	uint8_t rd[64];
	br_sha256_init(&h);
	br_sha256_update(&h, doc, len);
	br_sha256_out(&h, digest);
	initdata_report_data(digest, rd);
	if (get(ctx, rd, ev, err, err_len) != 0)
		return -1;
	return initdata_check_host_data(ev->report, ev->report_len, digest, err, err_len);
}
