/* The dm-crypt table reader: lines as the kernel's crypt_status prints
 * them for what cryptsetup 2.6.1 loads (lib/libdevmapper.c,
 * get_dm_crypt_params), and what it refuses. */
#include "../tap.h"

#include "disk/dm_crypt_table.h"

#define KEY64                                                                                                          \
	"8fee4bdcaa2febba1e292a13029f8a1860e09a9a7526f67e6c7662e21d4864d49cebe22fa70c2170b231e35678b8e48e9624b6402c2d" \
	"c3826b1333a6c2ff92d1"

static struct dm_crypt_table t;
static char err[256];

static int parse(const char *line)
{
	err[0] = '\0';
	t.start = 7;
	t.length = 99;
	return dm_crypt_table_parse(line, strlen(line) + 1, &t, err, sizeof err);
}

static void refused(const char *line, const char *why, const char *name)
{
	int rc = parse(line);
	ok(rc == -1 && t.key_len == 0, "%s: refused, no key kept", name);
	is_str(err, why, "... %s", name);
}

int main(void)
{
	is_int(parse("aes-xts-plain64 " KEY64 " 0 253:0 32768 1 sector_size:4096"), 0, "LUKS2, 4096-byte sectors");
	is_str(t.cipher, "aes-xts-plain64", "cipher");
	is_int(t.key_len, 64, "key length");
	ok(t.key[0] == 0x8f && t.key[63] == 0xd1, "key bytes");
	is_int(t.iv_offset, 0, "iv_offset");
	ok(t.dev_major == 253 && t.dev_minor == 0, "device");
	is_int(t.offset, 32768, "offset");
	is_int(t.sector_size, 4096, "sector_size");
	ok(!t.iv_large_sectors && !t.has_integrity && t.n_other_opts == 0, "no other options");
	ok(t.start == 7 && t.length == 99, "start and length left as the caller set them");

	is_int(parse("aes-xts-plain64 " KEY64 " 0 8:16 32768"), 0, "512-byte sectors: no option at all");
	is_int(t.sector_size, 512, "sector_size defaults to 512");
	ok(t.dev_major == 8 && t.dev_minor == 16, "device 8:16");
	is_int(parse("aes-xts-plain64 " KEY64 " 0 8:16 32768 4 allow_discards same_cpu_crypt no_read_workqueue "
		     "sector_size:512"),
	       0, "harmless options");
	is_int(t.n_other_opts, 3, "... counted");
	is_int(parse("aes-xts-plain64 " KEY64 " 16 8:16 32768 2 sector_size:4096 iv_large_sectors"), 0,
	       "iv_large_sectors (noted for the pin check)");
	ok(t.iv_large_sectors && t.iv_offset == 16, "... flag and iv_offset");
	is_int(parse("aes-xts-plain64 " KEY64 " 0 8:16 32768 1 integrity:28:aead"), 0, "integrity (noted)");
	ok(t.has_integrity, "... flag");
	is_int(parse("cipher_null-ecb - 0 8:16 4096"), 0, "cipher_null: the kernel prints '-' for no key");
	is_int(t.key_len, 0, "... no key");

	refused("aes-xts-plain64 :64:logon:cryptsetup:6337ddd1-82a4-4798-8baa-46067d6025f4-d0 0 8:16 32768",
		"dm-crypt table: the key is in the kernel keyring (cryptsetup must run with --disable-keyring so the "
		"table holds it)",
		"keyring key");
	refused("aes-xts-plain64 abc 0 8:16 32768", "dm-crypt table: key: not hex of at most 128 bytes", "odd hex");
	refused("aes-xts-plain64 zz 0 8:16 32768", "dm-crypt table: key: not hex of at most 128 bytes", "bad hex");
	refused("aes-xts-plain64 " KEY64 KEY64 KEY64 KEY64 KEY64 " 0 8:16 32768",
		"dm-crypt table: key: not hex of at most 128 bytes", "key too long");
	refused("aes-xts-plain64 " KEY64 " 0 8:16", "dm-crypt table: offset: missing", "no offset");
	refused("aes-xts-plain64 " KEY64 "  0 8:16 32768", "dm-crypt table: iv_offset: bad spacing or a control byte",
		"double space");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 ", "dm-crypt table: option count: not a number from 1 to 64",
		"trailing space");
	refused("aes-xts-plain64 " KEY64 " x 8:16 32768", "dm-crypt table: iv_offset: not a decimal number", "iv_offset");
	refused("aes-xts-plain64 " KEY64 " 18446744073709551616 8:16 32768",
		"dm-crypt table: iv_offset: not a decimal number", "iv_offset overflow");
	refused("aes-xts-plain64 " KEY64 " 0 /dev/sda 32768", "dm-crypt table: device: not major:minor", "device path");
	refused("aes-xts-plain64 " KEY64 " 0 8:4294967296 32768", "dm-crypt table: device: not major:minor",
		"minor overflow");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 2 allow_discards", "dm-crypt table: 2 options announced, 1 found",
		"fewer options than announced");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 1 allow_discards same_cpu_crypt",
		"dm-crypt table: text after the 1 announced options", "more options than announced");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 1 mystery", "dm-crypt table: unknown option mystery",
		"unknown option");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 2 sector_size:4096 sector_size:512",
		"dm-crypt table: option sector_size:512: a second one or not 512 to 4096", "sector_size twice");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 1 sector_size:1000",
		"dm-crypt table: option sector_size:1000: a second one or not 512 to 4096", "odd sector_size");
	refused("aes-xts-plain64 " KEY64 " 0 8:16 32768 0", "dm-crypt table: option count: not a number from 1 to 64",
		"zero options announced");
	refused("aes-xts-plain64\t" KEY64 " 0 8:16 32768", "dm-crypt table: cipher: bad spacing or a control byte",
		"a tab");
	refused("", "dm-crypt table: cipher: missing", "empty");
	refused("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa - 0 8:16 1",
		"dm-crypt table: cipher: longer than 63 bytes", "long cipher");

	/* the length bounds the text, NUL or not */
	const char *line = "aes-xts-plain64 " KEY64 " 0 8:16 32768 1 sector_size:4096";
	t.start = t.length = 0;
	is_int(dm_crypt_table_parse(line, strlen(line) - 19, &t, err, sizeof err), 0, "len cuts the options off");
	is_int(t.sector_size, 512, "... so they are not seen");

	dm_crypt_table_wipe(&t);
	ok(t.key_len == 0 && t.key[0] == 0 && t.cipher[0] == 0, "wipe clears the key");
	return done_testing();
}
