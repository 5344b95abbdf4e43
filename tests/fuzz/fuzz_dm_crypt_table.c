/* libFuzzer target for the dm-crypt table reader (the kernel's text, but
 * for a table the host's cryptsetup run asked for) and the table check
 * against a fixed pin. The first 8 bytes are the device size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "disk/disk_pin.h"
#include "disk/dm_crypt_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct disk_pin pin = {
		.digest_hash = "sha256",
		.digest_iterations = 1000,
		.digest_salt = {1},
		.digest_salt_len = 32,
		.digest = {2},
		.digest_len = 32,
		.cipher = "aes-xts-plain64",
		.key_size = 64,
		.sector_size = 4096,
		.offset = 16777216,
	};
	if (size < 8)
		return 0;
	uint64_t dev = le64_load(data);
	data += 8;
	size -= 8;
	/* an exact-size copy, not NUL-terminated: the reader must stop at size */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct dm_crypt_table t = {.start = 0, .length = dev / 512};
	char err[512];
	if (dm_crypt_table_parse(text, size, &t, err, sizeof err) == 0) {
		if (t.key_len > DISK_PIN_KEY_MAX || memchr(t.cipher, '\0', sizeof t.cipher) == NULL ||
		    (t.sector_size != 512 && t.sector_size != 1024 && t.sector_size != 2048 && t.sector_size != 4096))
			abort();
		int rc = disk_pin_check_table(&pin, &t, 253, 0, dev, err, sizeof err);
		if ((rc != 0 && err[0] == '\0') || memchr(err, '\0', sizeof err) == NULL)
			abort();
		(void)disk_pin_check_volume_key(&pin, t.key, t.key_len, err, sizeof err);
	} else if (t.key_len != 0 || err[0] == '\0') {
		abort();
	}
	dm_crypt_table_wipe(&t);
	free(text);
	return 0;
}
