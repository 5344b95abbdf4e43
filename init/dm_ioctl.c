/* Device-mapper ioctls on /dev/mapper/control; see dm_ioctl.h. */
#include "dm_ioctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/bytes.h"

#define DM_CONTROL "/dev/mapper/control"
/* One crypt target: its spec and a line of a few hundred bytes (a 512-bit
 * key is 128 hex digits). Static: PID 1 runs this once per attempt. */
static uint8_t dm_buf[16384] __attribute__((aligned(8)));

static int dm_call(unsigned long request, const char *name, uint32_t flags, char *err, size_t err_len)
{
	struct dm_ioctl *io = (struct dm_ioctl *)dm_buf;
	memset(dm_buf, 0, sizeof dm_buf);
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = sizeof dm_buf;
	io->data_start = sizeof *io;
	/* The kernel wipes its own copies of what passes through (the key). */
	io->flags = flags | DM_SECURE_DATA_FLAG;
	if (strlen(name) >= sizeof io->name) {
		snprintf(err, err_len, "device-mapper name '%s' is too long", name);
		return -1;
	}
	strcpy(io->name, name);
	int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "open %s: %s", DM_CONTROL, strerror(errno));
		return -1;
	}
	int rc = ioctl(fd, request, io);
	int e = errno;
	close(fd);
	if (rc != 0) {
		snprintf(err, err_len, "device-mapper ioctl on '%s': %s", name, strerror(e));
		secure_wipe(dm_buf, sizeof dm_buf);
		return -1;
	}
	return 0;
}

int dm_crypt_status(const char *name, struct dm_crypt_table *t, char *err, size_t err_len)
{
	memset(t, 0, sizeof *t);
	if (dm_call(DM_TABLE_STATUS, name, DM_STATUS_TABLE_FLAG, err, err_len) != 0)
		return -1;
	const struct dm_ioctl *io = (const struct dm_ioctl *)dm_buf;
	int rc = -1;
	if (io->flags & DM_BUFFER_FULL_FLAG) {
		snprintf(err, err_len, "mapping '%s': its table does not fit %zu bytes", name, sizeof dm_buf);
	} else if (io->target_count != 1) {
		snprintf(err, err_len, "mapping '%s' has %u targets, expected exactly one crypt target", name,
			 io->target_count);
	} else if (io->data_start < sizeof *io || io->data_size > sizeof dm_buf ||
		   io->data_size - io->data_start < sizeof(struct dm_target_spec)) {
		snprintf(err, err_len, "mapping '%s': the kernel's reply does not fit its buffer", name);
	} else {
		const struct dm_target_spec *spec = (const struct dm_target_spec *)(dm_buf + io->data_start);
		const char *params = (const char *)(spec + 1);
		size_t room = io->data_size - io->data_start - sizeof *spec;
		size_t len = strnlen(params, room);
		if (strncmp(spec->target_type, "crypt", sizeof spec->target_type) != 0) {
			snprintf(err, err_len, "mapping '%s' is a '%.16s' target, expected crypt", name, spec->target_type);
		} else if (len == room) {
			snprintf(err, err_len, "mapping '%s': its table line is not terminated", name);
		} else {
			t->start = spec->sector_start;
			t->length = spec->length;
			rc = dm_crypt_table_parse(params, len, t, err, err_len);
			if (rc == 0) {
				t->start = spec->sector_start;
				t->length = spec->length;
			}
		}
	}
	secure_wipe(dm_buf, sizeof dm_buf);
	if (rc != 0)
		dm_crypt_table_wipe(t);
	return rc;
}

int dm_remove(const char *name, char *err, size_t err_len)
{
	int rc = dm_call(DM_DEV_REMOVE, name, 0, err, err_len);
	secure_wipe(dm_buf, sizeof dm_buf);
	return rc;
}
