/* The disk pin on the guest; see disk_check.h. */
#include "disk_check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/fd_io.h"
#include "disk/dm_crypt_table.h"
#include "disk/luks2_header.h"
#include "dm_ioctl.h"

/* The primary header copy, binary header and JSON area (64 KiB at most). */
static uint8_t hdr_buf[LUKS2_HDR_MAX];

static int read_exact(int fd, uint8_t *buf, size_t len, const char *device, char *err, size_t err_len)
{
	size_t got;
	if (fd_pread_full(fd, buf, len, 0, &got) != 0) {
		snprintf(err, err_len, "reading the LUKS header of %s: %s", device, strerror(errno));
		return -1;
	}
	if (got != len) {
		snprintf(err, err_len, "reading the LUKS header of %s: the device is shorter than its header", device);
		return -1;
	}
	return 0;
}

int disk_check_header(const struct boot_config *cfg, const char *device, char *err, size_t err_len)
{
	static struct luks2_header hdr;
	char why[512];
	int fd = open(device, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "open %s: %s", device, strerror(errno));
		return -1;
	}
	size_t need = 0;
	int rc = read_exact(fd, hdr_buf, LUKS2_BIN_HDR_LEN, device, err, err_len);
	if (rc == 0) {
		rc = luks2_header_parse(hdr_buf, LUKS2_BIN_HDR_LEN, &hdr, &need, why, sizeof why);
		/* The binary header says how long the whole copy is: read that and parse again. */
		if (rc != 0 && need > LUKS2_BIN_HDR_LEN && need <= sizeof hdr_buf) {
			rc = read_exact(fd, hdr_buf, need, device, err, err_len);
			if (rc == 0)
				rc = luks2_header_parse(hdr_buf, need, &hdr, NULL, why, sizeof why);
			else
				why[0] = '\0';
		}
		if (rc != 0 && why[0])
			snprintf(err, err_len, "%s: %s", device, why);
	}
	close(fd);
	if (rc != 0)
		return -1;
	if (disk_pin_check_header(&cfg->root.pin, &hdr, why, sizeof why) != 0) {
		snprintf(err, err_len, "%s: LUKS2 header: %s", device, why);
		return -1;
	}
	return 0;
}

int disk_check_mapping(const struct boot_config *cfg, const char *device, char *err, size_t err_len)
{
	static struct dm_crypt_table table;
	char why[512];
	struct stat st;
	uint64_t bytes = 0;
	int fd = open(device, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode) || ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
		snprintf(err, err_len, "%s: not a readable block device: %s", device, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (dm_crypt_status(cfg->root.mapper_name, &table, why, sizeof why) != 0) {
		snprintf(err, err_len, "the live mapping: %s", why);
		return -1;
	}
	/* The mapping's parameters first, then the key in it through the digest. */
	int rc = disk_pin_check_table(&cfg->root.pin, &table, major(st.st_rdev), minor(st.st_rdev), bytes, why,
				      sizeof why);
	if (rc == 0)
		rc = disk_pin_check_volume_key(&cfg->root.pin, table.key, table.key_len, why, sizeof why);
	dm_crypt_table_wipe(&table);
	if (rc != 0)
		snprintf(err, err_len, "the live mapping: %s", why);
	return rc;
}
