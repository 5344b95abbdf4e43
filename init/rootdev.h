#ifndef SNPBOOT_INIT_ROOTDEV_H
#define SNPBOOT_INIT_ROOTDEV_H

#include <stddef.h>
#include <stdint.h>

/* Finds the block device named by spec ("/dev/vda", "UUID=<LUKS UUID>",
 * "PARTUUID=<GPT partition GUID or MBR SSSSSSSS-NN>"), waiting up to timeout_ms for it to appear.
 * Writes its /dev path into path. 0, or -1 with a reason. */
int rootdev_wait(const char *spec, uint32_t timeout_ms, char *path, size_t path_len, char *err, size_t err_len);

/* Pure helpers, unit-tested on the host. */
/* 1 if the 4 KiB LUKS header region has the LUKS magic and its UUID equals uuid (case-insensitive). */
int rootdev_luks_uuid_matches(const uint8_t *hdr, size_t len, const char *uuid);
/* Given the GPT header sector and the partition entry array of a disk, returns the
 * 1-based number of the partition whose unique GUID is guid (text form), 0 if none,
 * -1 if the header is not a valid GPT. */
int rootdev_gpt_find(const uint8_t *header, size_t header_len, const uint8_t *entries, size_t entries_len,
		     const char *guid);
/* Given sector 0 of a disk, returns the 1-based number of the primary MBR
 * partition whose PARTUUID (the kernel's "SSSSSSSS-NN": disk signature and
 * partition number in hex) is partuuid, 0 if none, -1 if there is no MBR.
 * Extended containers and a GPT's protective entry never match. */
int rootdev_mbr_find(const uint8_t *sector0, size_t len, const char *partuuid);
/* Formats a GPT GUID (stored mixed-endian) as lowercase text; also used by `snpboot encrypt-disk`. */
void rootdev_guid_format(const uint8_t *guid, char out[37]);
/* Where the GPT entry array starts (bytes) and how long it is, from the header; -1 if invalid. */
int rootdev_gpt_entries_span(const uint8_t *header, size_t header_len, uint32_t sector_size, uint64_t *offset,
			     uint64_t *len);

#endif
