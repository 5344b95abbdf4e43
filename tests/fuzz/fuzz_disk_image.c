/* libFuzzer target for the image readers of `snpboot encrypt-disk`: the
 * filesystem and LUKS probes and the MBR/GPT partition lookup, on an image's
 * first bytes (an untrusted file). The first input byte picks the partition
 * number, the next eight the disk size; the rest is the image's start. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "encrypt/disk_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	unsigned number = data[0];
	uint64_t disk_size = le64_load(data + 1);
	data += 9;
	size -= 9;
	/* An exact-size copy: reads past the end are the sanitizer's to catch. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	struct disk_probe_result r;
	disk_probe(buf, size, &r);
	if (r.kind == DISK_LUKS && strlen(r.luks_uuid) > 40)
		abort();
	if (r.kind != DISK_EXT && r.kind != DISK_XFS && r.kind != DISK_BTRFS && r.fs_bytes != 0)
		abort();
	(void)disk_kind_name(r.kind);
	(void)disk_luks_reencrypt_pending(buf, size);

	struct disk_part p;
	char err[160];
	int rc = disk_part_find(buf, size, disk_size, number, &p, err, sizeof err);
	if (rc == DISK_PART_OK) {
		/* A found range lies inside the disk and is not empty. */
		if (p.length == 0 || p.offset > disk_size || p.length > disk_size - p.offset || !p.table ||
		    memchr(p.partuuid, '\0', sizeof p.partuuid) == NULL)
			abort();
	} else if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0') {
		abort();
	}
	free(buf);
	return 0;
}
