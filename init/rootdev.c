/* Waiting for the root device: devtmpfs creates nodes as drivers probe, so we
 * poll /sys/class/block until the wanted device shows up or time runs out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "rootdev.h"
#include "disk/disk_match.h"

#define POLL_MS 50

static ssize_t read_at(const char *path, uint8_t *buf, size_t len, uint64_t offset)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, len, (off_t)offset);
	close(fd);
	return n;
}

static int read_sys_uint(const char *dev, const char *attr, unsigned long *out)
{
	char path[128], buf[32];
	snprintf(path, sizeof path, "/sys/class/block/%s/%s", dev, attr);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return sscanf(buf, "%lu", out) == 1 ? 0 : -1;
}

static int is_partition(const char *dev)
{
	unsigned long n;
	return read_sys_uint(dev, "partition", &n) == 0;
}

/* Name of partition number part of disk: vda1, nvme0n1p1, mmcblk0p1. */
static int partition_name(const char *disk, int part, char *out, size_t out_len)
{
	char path[160];
	struct stat st;
	snprintf(out, out_len, "%s%d", disk, part);
	snprintf(path, sizeof path, "/sys/class/block/%s", out);
	if (stat(path, &st) == 0)
		return 0;
	snprintf(out, out_len, "%sp%d", disk, part);
	snprintf(path, sizeof path, "/sys/class/block/%s", out);
	return stat(path, &st) == 0 ? 0 : -1;
}

static int match_uuid(const char *dev, const char *uuid)
{
	uint8_t hdr[512];
	char path[128];
	snprintf(path, sizeof path, "/dev/%s", dev);
	ssize_t n = read_at(path, hdr, sizeof hdr, 0);
	return n > 0 && disk_luks_uuid_matches(hdr, (size_t)n, uuid);
}

static int match_partuuid(const char *disk, const char *guid, char *part_dev, size_t part_len)
{
	static uint8_t entries[1024 * 128];
	uint8_t header[512];
	unsigned long sector = 512;
	char path[128];
	uint64_t off, len;
	if (is_partition(disk))
		return 0;
	read_sys_uint(disk, "queue/logical_block_size", &sector);
	snprintf(path, sizeof path, "/dev/%s", disk);
	if (read_at(path, header, sizeof header, sector) != (ssize_t)sizeof header ||
	    disk_gpt_entries_span(header, sizeof header, (uint32_t)sector, &off, &len) != 0 || len > sizeof entries) {
		/* No GPT: an MBR disk names its partitions by signature and number. */
		int part = read_at(path, header, sizeof header, 0) == (ssize_t)sizeof header
				   ? disk_mbr_find(header, sizeof header, guid)
				   : -1;
		return part > 0 && partition_name(disk, part, part_dev, part_len) == 0;
	}
	ssize_t got = read_at(path, entries, (size_t)len, off);
	if (got != (ssize_t)len)
		return 0;
	int part = disk_gpt_find(header, sizeof header, entries, (size_t)len, guid);
	return part > 0 && partition_name(disk, part, part_dev, part_len) == 0;
}

static int scan_once(const char *spec, char *path, size_t path_len)
{
	if (spec[0] == '/') {
		struct stat st;
		if (stat(spec, &st) == 0 && S_ISBLK(st.st_mode)) {
			snprintf(path, path_len, "%s", spec);
			return 1;
		}
		return 0;
	}
	DIR *d = opendir("/sys/class/block");
	if (!d)
		return 0;
	int found = 0;
	for (struct dirent *e; !found && (e = readdir(d));) {
		char part[64];
		if (e->d_name[0] == '.' || strncmp(e->d_name, "loop", 4) == 0 || strncmp(e->d_name, "ram", 3) == 0)
			continue;
		if (strncmp(spec, "UUID=", 5) == 0 && match_uuid(e->d_name, spec + 5)) {
			snprintf(path, path_len, "/dev/%s", e->d_name);
			found = 1;
		} else if (strncmp(spec, "PARTUUID=", 9) == 0 && match_partuuid(e->d_name, spec + 9, part, sizeof part)) {
			snprintf(path, path_len, "/dev/%s", part);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

int rootdev_wait(const char *spec, uint32_t timeout_ms, char *path, size_t path_len, char *err, size_t err_len)
{
	if (spec[0] != '/' && strncmp(spec, "UUID=", 5) != 0 && strncmp(spec, "PARTUUID=", 9) != 0) {
		snprintf(err, err_len, "root.device '%s' must be /dev/..., UUID=... or PARTUUID=...", spec);
		return -1;
	}
	uint64_t deadline = boottime_ms() + timeout_ms;
	for (;;) {
		if (scan_once(spec, path, path_len)) {
			log_info("unlock: root device %s is %s", spec, path);
			return 0;
		}
		if (boottime_ms() >= deadline)
			break;
		sleep_ms(POLL_MS);
	}
	snprintf(err, err_len, "root device %s did not appear within %u ms", spec, timeout_ms);
	return -1;
}
