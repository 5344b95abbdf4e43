/* What is in a disk image, from its first bytes: partition tables (MBR, GPT),
 * the filesystem or LUKS header at the start of a byte range, and its size.
 * Pure functions on buffers, for `snpboot encrypt-disk` (unit-tested and fuzzed). */
#ifndef SNPBOOT_HOST_DISK_IMAGE_H
#define SNPBOOT_HOST_DISK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* How much of a range disk_probe wants to see (btrfs keeps its superblock at 64 KiB). */
#define DISK_PROBE_LEN (128u * 1024u)
/* Enough of a disk's start for disk_part_find with the usual GPT layout
 * (header at LBA 1, 128 entries of 128 bytes from LBA 2, 512- or 4096-byte sectors). */
#define DISK_TABLE_LEN (1024u * 1024u)

enum disk_kind {
	DISK_UNKNOWN = 0,
	DISK_EXT,   /* ext2/3/4 */
	DISK_XFS,
	DISK_BTRFS,
	DISK_LUKS,  /* a LUKS1 or LUKS2 header */
	DISK_MBR,   /* a partition table and no filesystem at its start */
	DISK_GPT,
};

struct disk_probe_result {
	enum disk_kind kind;
	uint64_t fs_bytes; /* the filesystem's own size (0 if unknown or not a filesystem) */
	char luks_uuid[41];
};

/* Looks at the start of a range (len bytes, ideally DISK_PROBE_LEN). */
void disk_probe(const uint8_t *buf, size_t len, struct disk_probe_result *out);
const char *disk_kind_name(enum disk_kind kind);
/* 1 if buf starts with a LUKS2 header whose metadata marks an unfinished
 * reencryption (cryptsetup's "online-reencrypt" requirement), else 0. */
int disk_luks_reencrypt_pending(const uint8_t *buf, size_t len);

struct disk_part {
	uint64_t offset, length; /* bytes */
	char partuuid[40];       /* GPT: the unique GUID; MBR: the kernel's SIGNATURE-NN form */
	const char *table;       /* "gpt" or "mbr" */
};

enum {
	DISK_PART_OK = 0,
	DISK_PART_NO_TABLE = -1,  /* neither a valid MBR nor a GPT */
	DISK_PART_BAD_TABLE = -2, /* a table, but malformed (or its entries lie beyond buf) */
	DISK_PART_NO_SUCH = -3,   /* number out of range or an unused slot */
	DISK_PART_BEYOND = -4,    /* the partition ends past the disk's end */
	DISK_PART_EXTENDED = -5,  /* an MBR extended container (logical partitions are not supported) */
};

/* Finds partition number (1-based) in a disk of disk_size bytes whose first len
 * bytes are buf (DISK_TABLE_LEN is enough for usual GPTs). A GPT wins over its
 * protective MBR. DISK_PART_* codes; err gets a sentence when not OK. */
int disk_part_find(const uint8_t *buf, size_t len, uint64_t disk_size, unsigned number, struct disk_part *out,
		   char *err, size_t err_len);

#endif
