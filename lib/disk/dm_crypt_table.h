/*
 * A dm-crypt target line as the kernel returns it (DM_TABLE_STATUS with
 * DM_STATUS_TABLE_FLAG; the kernel's dm-crypt documentation):
 *
 *   <cipher> <key> <iv_offset> <device> <offset> [<#opt> <opt>...]
 *
 * e.g. "aes-xts-plain64 <128 hex digits> 0 253:0 32768 1 sector_size:4096"
 * (the target's start and length come from struct dm_target_spec, not from
 * this line). <device> is "major:minor". <key> is hex; the keyring form
 * ":64:logon:cryptsetup:..." is refused here (the first stage runs
 * cryptsetup with --disable-keyring so the table carries the key, which
 * the pin's digest check needs).
 *
 * The parsed key is secret: dm_crypt_table_wipe clears it, and the caller
 * wipes the text it parsed from.
 */
#ifndef SNPBOOT_DM_CRYPT_TABLE_H
#define SNPBOOT_DM_CRYPT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "disk_pin.h"

struct dm_crypt_table {
	uint64_t start, length; /* 512-byte sectors, from dm_target_spec */
	char cipher[DISK_PIN_CIPHER_MAX];
	uint8_t key[DISK_PIN_KEY_MAX]; /* secret */
	size_t key_len;
	uint64_t iv_offset;
	uint32_t dev_major, dev_minor;
	uint64_t offset; /* 512-byte sectors into the backing device */
	uint32_t sector_size;  /* from sector_size:N, 512 if absent */
	int iv_large_sectors;  /* the option is present */
	int has_integrity;     /* an integrity:... option is present (refused by the pin check) */
	unsigned n_other_opts; /* allow_discards, same_cpu_crypt, ... (harmless) */
};

/* Parses params (the text after the target type, NUL-terminated, at most
 * len bytes) into *t (start and length are left as the caller set them).
 * 0, or -1 with where and why in err; on failure *t holds no key. */
int dm_crypt_table_parse(const char *params, size_t len, struct dm_crypt_table *t, char *err, size_t err_len);

void dm_crypt_table_wipe(struct dm_crypt_table *t);

#endif
