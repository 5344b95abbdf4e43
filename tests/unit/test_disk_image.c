/* disk_image: filesystem and LUKS probes, MBR and GPT partition lookups, on
 * images built here byte by byte. */
#include "../tap.h"
#include "base/bytes.h"
#include "encrypt/disk_image.h"

static uint8_t img[DISK_TABLE_LEN];

/* Bytes of a text, without its terminating NUL (magic numbers). */
static void put(uint8_t *at, const char *text, size_t len) { memcpy(at, text, len); }

static void mbr_entry(unsigned n, uint8_t type, uint32_t first, uint32_t count)
{
	uint8_t *e = img + 446 + 16 * (n - 1);
	e[0] = n == 1 ? 0x80 : 0;
	e[4] = type;
	le32_store(e + 8, first);
	le32_store(e + 12, count);
	img[510] = 0x55;
	img[511] = 0xaa;
}

/* A GPT with sector size ss: header at LBA 1, count entries of 128 bytes from LBA 2. */
static void gpt_header(uint32_t ss, uint32_t count)
{
	mbr_entry(1, 0xee, 1, 0xffffffff);
	uint8_t *h = img + ss;
	put(h, "EFI PART", 8);
	le64_store(h + 72, 2);
	le32_store(h + 80, count);
	le32_store(h + 84, 128);
}

static void gpt_entry(uint32_t ss, unsigned n, uint64_t first, uint64_t last)
{
	uint8_t *e = img + 2 * ss + 128 * (n - 1);
	e[0] = 0xaf; /* any non-zero type GUID */
	static const uint8_t guid[16] = {4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16};
	memcpy(e + 16, guid, 16);
	e[31] = (uint8_t)n;
	le64_store(e + 32, first);
	le64_store(e + 40, last);
}

static void test_probe(void)
{
	static uint8_t buf[DISK_PROBE_LEN];
	struct disk_probe_result r;
	memset(buf, 0, sizeof buf);
	disk_probe(buf, sizeof buf, &r);
	is_int(r.kind, DISK_UNKNOWN, "zeros: nothing");
	is_str(disk_kind_name(r.kind), "no known filesystem", "its name");

	/* ext4: magic at 1024+56, 4 KiB blocks (log 2), 1000 blocks + 64-bit high half */
	le16_store(buf + 1024 + 56, 0xef53);
	le32_store(buf + 1024 + 24, 2);
	le32_store(buf + 1024 + 4, 1000);
	disk_probe(buf, sizeof buf, &r);
	is_int(r.kind, DISK_EXT, "ext superblock");
	is_int(r.fs_bytes, 1000 * 4096, "ext size from blocks and block size");
	le32_store(buf + 1024 + 0x60, 0x80);
	le32_store(buf + 1024 + 0x150, 1);
	disk_probe(buf, sizeof buf, &r);
	is_int(r.fs_bytes, ((1ull << 32) + 1000) * 4096, "ext 64-bit block count");
	le32_store(buf + 1024 + 24, 60);
	disk_probe(buf, sizeof buf, &r);
	ok(r.kind == DISK_EXT && r.fs_bytes == 0, "absurd ext block size: size unknown, not a wrap");
	disk_probe(buf, 1100, &r);
	is_int(r.kind, DISK_UNKNOWN, "ext superblock cut short is not read");

	memset(buf, 0, sizeof buf);
	put(buf, "XFSB", 4);
	be32_store(buf + 4, 4096);
	be32_store(buf + 12, 2560); /* low half of the be64 block count */
	disk_probe(buf, sizeof buf, &r);
	ok(r.kind == DISK_XFS && r.fs_bytes == 2560ull * 4096, "XFS and its size");

	memset(buf, 0, sizeof buf);
	put(buf + 0x10000 + 0x40, "_BHRfS_M", 8);
	le64_store(buf + 0x10000 + 0x70, 123456789);
	disk_probe(buf, sizeof buf, &r);
	ok(r.kind == DISK_BTRFS && r.fs_bytes == 123456789, "btrfs and its size");
	disk_probe(buf, 0x10000, &r);
	is_int(r.kind, DISK_UNKNOWN, "btrfs beyond the buffer is not read");

	/* LUKS2: magic, version 2, header size 16 KiB, UUID at 0xa8, JSON from 4096 */
	memset(buf, 0, sizeof buf);
	put(buf, "LUKS\xba\xbe\x00\x02", 8);
	be32_store(buf + 12, 16384);
	put(buf + 0xa8, "844a25d8-90c0-4542-9fd5-aa29eaa85a35", 36);
	disk_probe(buf, sizeof buf, &r);
	ok(r.kind == DISK_LUKS, "LUKS header");
	is_str(r.luks_uuid, "844a25d8-90c0-4542-9fd5-aa29eaa85a35", "LUKS UUID");
	is_int(disk_luks_reencrypt_pending(buf, sizeof buf), 0, "finished LUKS2: nothing pending");
	const char json[] = "{\"config\":{\"requirements\":{\"mandatory\":[\"online-reencrypt-v2\"]}}}";
	memcpy(buf + 4096, json, sizeof json - 1);
	is_int(disk_luks_reencrypt_pending(buf, sizeof buf), 1, "online-reencrypt requirement: pending");
	is_int(disk_luks_reencrypt_pending(buf, 4096), 0, "JSON area not in the buffer: not claimed");
	memcpy(buf + 12000, json, sizeof json - 1);
	memset(buf + 4096, 0, sizeof json);
	be32_store(buf + 12, 8192);
	is_int(disk_luks_reencrypt_pending(buf, sizeof buf), 0, "text past the header size is not metadata");
	buf[7] = 1;
	is_int(disk_luks_reencrypt_pending(buf, sizeof buf), 0, "LUKS1 has no reencryption metadata");
}

static void test_mbr(void)
{
	struct disk_part p;
	char err[160];
	uint64_t disk = 64ull << 20;
	memset(img, 0, sizeof img);
	is_int(disk_part_find(img, sizeof img, disk, 1, &p, err, sizeof err), DISK_PART_NO_TABLE, "no table");
	is_str(err, "no MBR or GPT partition table", "its message");
	le32_store(img + 440, 0x1234abcd);
	mbr_entry(1, 0x83, 2048, 65536);
	mbr_entry(2, 0x05, 67584, 2048);
	mbr_entry(3, 0x83, 100000, 100000);
	struct disk_probe_result r;
	disk_probe(img, sizeof img, &r);
	is_int(r.kind, DISK_MBR, "probe: an MBR");
	is_int(disk_part_find(img, sizeof img, disk, 1, &p, err, sizeof err), DISK_PART_OK, "MBR partition 1");
	ok(p.offset == 2048ull * 512 && p.length == 65536ull * 512, "its byte range");
	is_str(p.partuuid, "1234abcd-01", "the kernel's MBR PARTUUID");
	is_str(p.table, "mbr", "table name");
	is_int(disk_part_find(img, sizeof img, disk, 2, &p, err, sizeof err), DISK_PART_EXTENDED, "extended refused");
	is_int(disk_part_find(img, sizeof img, disk, 3, &p, err, sizeof err), DISK_PART_BEYOND, "past the disk's end");
	is_str(err, "partition 3 ends past the end of the disk", "its message");
	is_int(disk_part_find(img, sizeof img, disk, 4, &p, err, sizeof err), DISK_PART_NO_SUCH, "unused slot");
	is_int(disk_part_find(img, sizeof img, disk, 5, &p, err, sizeof err), DISK_PART_NO_SUCH, "no logical 5");
	is_str(err, "no partition 5 in the MBR table", "its message");
	is_int(disk_part_find(img, sizeof img, disk, 0, &p, err, sizeof err), DISK_PART_NO_SUCH, "no partition 0");
	img[446] = 0x12;
	is_int(disk_part_find(img, sizeof img, disk, 1, &p, err, sizeof err), DISK_PART_NO_TABLE,
	       "a bad status byte: not an MBR");
	img[446] = 0x80;
	mbr_entry(4, 0x83, 0, 0);
	img[446 + 48 + 4] = 0x83;
	is_int(disk_part_find(img, sizeof img, disk, 4, &p, err, sizeof err), DISK_PART_BAD_TABLE, "empty range");
}

static void test_gpt(uint32_t ss)
{
	struct disk_part p;
	char err[160];
	uint64_t disk = 256ull << 20;
	memset(img, 0, sizeof img);
	gpt_header(ss, 128);
	gpt_entry(ss, 1, 2048 * 512 / ss, 10240 * 512 / ss - 1);
	gpt_entry(ss, 3, 10240 * 512 / ss, 1ull << 40);
	struct disk_probe_result r;
	disk_probe(img, sizeof img, &r);
	is_int(r.kind, DISK_GPT, "probe: a GPT (sector %u)", ss);
	is_int(disk_part_find(img, sizeof img, disk, 1, &p, err, sizeof err), DISK_PART_OK, "GPT %u: partition 1", ss);
	ok(p.offset == 1 << 20 && p.length == 4 << 20, "GPT %u: its byte range", ss);
	is_str(p.partuuid, "01020304-0506-0708-090a-0b0c0d0e0f01", "GPT %u: unique GUID as PARTUUID", ss);
	is_str(p.table, "gpt", "GPT %u: the GPT wins over the protective MBR", ss);
	is_int(disk_part_find(img, sizeof img, disk, 2, &p, err, sizeof err), DISK_PART_NO_SUCH, "GPT %u: unused", ss);
	is_str(err, "no partition 2 in the GPT table", "its message");
	is_int(disk_part_find(img, sizeof img, disk, 3, &p, err, sizeof err), DISK_PART_BEYOND, "GPT %u: beyond", ss);
	is_int(disk_part_find(img, sizeof img, disk, 129, &p, err, sizeof err), DISK_PART_NO_SUCH,
	       "GPT %u: number past the entry count", ss);
	is_int(disk_part_find(img, 2 * ss + 100, disk, 1, &p, err, sizeof err), DISK_PART_BAD_TABLE,
	       "GPT %u: entry beyond the buffer", ss);
	gpt_entry(ss, 1, 500, 499 - 100);
	is_int(disk_part_find(img, sizeof img, disk, 1, &p, err, sizeof err), DISK_PART_BAD_TABLE,
	       "GPT %u: last before first", ss);
	le32_store(img + ss + 84, 100);
	is_int(disk_part_find(img, sizeof img, disk, 1, &p, err, sizeof err), DISK_PART_BAD_TABLE,
	       "GPT %u: bad entry size", ss);
	is_str(err, "the GPT partition table is malformed", "its message");
}

int main(void)
{
	test_probe();
	test_mbr();
	test_gpt(512);
	test_gpt(4096);
	return done_testing();
}
