/* Partition tables and filesystem superblocks read from buffers (see disk_image.h).
 * Every offset is checked against len: the input is an untrusted image. */
#include "disk_image.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "disk/disk_match.h"

static const uint8_t luks_magic[6] = {'L', 'U', 'K', 'S', 0xba, 0xbe};
#define LUKS_UUID_OFFSET 0xa8
#define EXT_SB 1024u
#define BTRFS_SB 0x10000u

static uint64_t be64(const uint8_t *p) { return ((uint64_t)be32_load(p) << 32) | be32_load(p + 4); }

const char *disk_kind_name(enum disk_kind kind)
{
	switch (kind) {
	case DISK_EXT: return "ext2/3/4";
	case DISK_XFS: return "XFS";
	case DISK_BTRFS: return "btrfs";
	case DISK_LUKS: return "LUKS";
	case DISK_MBR: return "an MBR partition table";
	case DISK_GPT: return "a GPT partition table";
	case DISK_UNKNOWN: break;
	}
	return "no known filesystem";
}

static int ext_size(const uint8_t *buf, size_t len, uint64_t *bytes)
{
	if (len < EXT_SB + 0x158 || le16_load(buf + EXT_SB + 56) != 0xef53)
		return 0;
	const uint8_t *sb = buf + EXT_SB;
	uint32_t log = le32_load(sb + 24);
	uint64_t blocks = le32_load(sb + 4);
	if (le32_load(sb + 0x60) & 0x80) /* INCOMPAT_64BIT: the high half is valid */
		blocks |= (uint64_t)le32_load(sb + 0x150) << 32;
	*bytes = log <= 6 && blocks <= (UINT64_MAX >> (10 + log)) ? blocks << (10 + log) : 0;
	return 1;
}

static int xfs_size(const uint8_t *buf, size_t len, uint64_t *bytes)
{
	if (len < 16 || memcmp(buf, "XFSB", 4) != 0)
		return 0;
	uint32_t bs = be32_load(buf + 4);
	uint64_t blocks = be64(buf + 8);
	*bytes = bs >= 512 && bs <= 65536 && blocks <= UINT64_MAX / bs ? blocks * bs : 0;
	return 1;
}

static int btrfs_size(const uint8_t *buf, size_t len, uint64_t *bytes)
{
	if (len < BTRFS_SB + 0x78 || memcmp(buf + BTRFS_SB + 0x40, "_BHRfS_M", 8) != 0)
		return 0;
	*bytes = le64_load(buf + BTRFS_SB + 0x70);
	return 1;
}

/* An MBR: the boot signature and four entries whose status bytes are valid. */
static int mbr_valid(const uint8_t *buf, size_t len)
{
	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xaa)
		return 0;
	int used = 0;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = buf + 446 + 16 * i;
		if (e[0] != 0 && e[0] != 0x80)
			return 0;
		used |= e[4] != 0;
	}
	return used;
}

/* The GPT header's sector size (512 or 4096), 0 if none. */
static uint32_t gpt_sector(const uint8_t *buf, size_t len)
{
	static const uint32_t sizes[] = {512, 4096};
	for (unsigned i = 0; i < 2; i++)
		if (len >= sizes[i] + 92 && memcmp(buf + sizes[i], "EFI PART", 8) == 0)
			return sizes[i];
	return 0;
}

void disk_probe(const uint8_t *buf, size_t len, struct disk_probe_result *out)
{
	memset(out, 0, sizeof *out);
	if (len >= LUKS_UUID_OFFSET + 40 && memcmp(buf, luks_magic, sizeof luks_magic) == 0) {
		out->kind = DISK_LUKS;
		memcpy(out->luks_uuid, buf + LUKS_UUID_OFFSET, 40);
		out->luks_uuid[40] = '\0';
	} else if (ext_size(buf, len, &out->fs_bytes)) {
		out->kind = DISK_EXT;
	} else if (xfs_size(buf, len, &out->fs_bytes)) {
		out->kind = DISK_XFS;
	} else if (btrfs_size(buf, len, &out->fs_bytes)) {
		out->kind = DISK_BTRFS;
	} else if (gpt_sector(buf, len)) {
		out->kind = DISK_GPT;
	} else if (mbr_valid(buf, len)) {
		out->kind = DISK_MBR;
	}
}

int disk_luks_reencrypt_pending(const uint8_t *buf, size_t len)
{
	/* LUKS2 binary header: magic, be16 version 2, be64 header size; the JSON
	 * metadata follows from byte 4096 up to the header size. */
	if (len < 4096 || memcmp(buf, luks_magic, sizeof luks_magic) != 0 || buf[6] != 0 || buf[7] != 2)
		return 0;
	uint64_t hdr = be64(buf + 8);
	if (hdr <= 4096)
		return 0;
	size_t end = hdr < len ? (size_t)hdr : len;
	static const char req[] = "online-reencrypt";
	return memmem(buf + 4096, end - 4096, req, sizeof req - 1) != NULL;
}

static int range_check(uint64_t first, uint64_t count, uint32_t sector, uint64_t disk_size, struct disk_part *out)
{
	if (count == 0 || first > UINT64_MAX / sector || count > UINT64_MAX / sector)
		return DISK_PART_BAD_TABLE;
	out->offset = first * sector;
	out->length = count * sector;
	if (out->offset > disk_size || out->length > disk_size - out->offset)
		return DISK_PART_BEYOND;
	return DISK_PART_OK;
}

static int gpt_find(const uint8_t *buf, size_t len, uint32_t sector, uint64_t disk_size, unsigned number,
		    struct disk_part *out)
{
	const uint8_t *hdr = buf + sector;
	uint64_t eoff, elen;
	if (disk_gpt_entries_span(hdr, len - sector, sector, &eoff, &elen) != 0)
		return DISK_PART_BAD_TABLE;
	uint32_t count = le32_load(hdr + 80), esize = le32_load(hdr + 84);
	if (number == 0 || number > count)
		return DISK_PART_NO_SUCH;
	uint64_t at = eoff + (uint64_t)(number - 1) * esize;
	if (at > len || len - at < 128)
		return DISK_PART_BAD_TABLE;
	const uint8_t *e = buf + at;
	if (bytes_all_zero(e, 16)) /* unused entry: zero type GUID */
		return DISK_PART_NO_SUCH;
	uint64_t first = le64_load(e + 32), last = le64_load(e + 40);
	if (last < first)
		return DISK_PART_BAD_TABLE;
	out->table = "gpt";
	disk_guid_format(e + 16, out->partuuid);
	return range_check(first, last - first + 1, sector, disk_size, out);
}

static int mbr_find(const uint8_t *buf, uint64_t disk_size, unsigned number, struct disk_part *out)
{
	if (number == 0 || number > 4)
		return DISK_PART_NO_SUCH;
	const uint8_t *e = buf + 446 + 16 * (number - 1);
	uint8_t type = e[4];
	if (type == 0)
		return DISK_PART_NO_SUCH;
	if (type == 0x05 || type == 0x0f || type == 0x85)
		return DISK_PART_EXTENDED;
	out->table = "mbr";
	/* The kernel's PARTUUID for MBR disks: disk signature, then the number. */
	snprintf(out->partuuid, sizeof out->partuuid, "%08x-%02x", le32_load(buf + 440), number);
	return range_check(le32_load(e + 8), le32_load(e + 12), 512, disk_size, out);
}

int disk_part_find(const uint8_t *buf, size_t len, uint64_t disk_size, unsigned number, struct disk_part *out,
		   char *err, size_t err_len)
{
	memset(out, 0, sizeof *out);
	uint32_t sector = gpt_sector(buf, len);
	int rc;
	const char *table = "GPT";
	if (sector) {
		rc = gpt_find(buf, len, sector, disk_size, number, out);
	} else if (mbr_valid(buf, len)) {
		table = "MBR";
		rc = mbr_find(buf, disk_size, number, out);
	} else {
		rc = DISK_PART_NO_TABLE;
	}
	switch (rc) {
	case DISK_PART_OK: break;
	case DISK_PART_NO_TABLE: snprintf(err, err_len, "no MBR or GPT partition table"); break;
	case DISK_PART_BAD_TABLE: snprintf(err, err_len, "the %s partition table is malformed", table); break;
	case DISK_PART_NO_SUCH: snprintf(err, err_len, "no partition %u in the %s table", number, table); break;
	case DISK_PART_BEYOND: snprintf(err, err_len, "partition %u ends past the end of the disk", number); break;
	default: snprintf(err, err_len, "partition %u is an MBR extended partition (not supported)", number); break;
	}
	return rc;
}
