/* How the first stage recognises its root disk without udev or blkid, by
 * reading the headers itself: the LUKS header's UUID, a GPT partition's
 * unique GUID, an MBR partition's "SSSSSSSS-NN". Pure functions over bytes
 * the caller read; `snpboot encrypt-disk` uses the same code to report what
 * it wrote. None of these values is a secret or a proof of identity: the
 * host writes them (the disk pin, not the UUID, says which disk is ours). */
#ifndef SNPBOOT_DISK_MATCH_H
#define SNPBOOT_DISK_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* 1 if the 4 KiB LUKS header region has the LUKS magic and its UUID equals uuid (case-insensitive). */
int disk_luks_uuid_matches(const uint8_t *hdr, size_t len, const char *uuid);
/* Given the GPT header sector and the partition entry array of a disk, returns the
 * 1-based number of the partition whose unique GUID is guid (text form), 0 if none,
 * -1 if the header is not a valid GPT. */
int disk_gpt_find(const uint8_t *header, size_t header_len, const uint8_t *entries, size_t entries_len,
		     const char *guid);
/* Given sector 0 of a disk, returns the 1-based number of the primary MBR
 * partition whose PARTUUID (the kernel's "SSSSSSSS-NN": disk signature and
 * partition number in hex) is partuuid, 0 if none, -1 if there is no MBR.
 * Extended containers and a GPT's protective entry never match. */
int disk_mbr_find(const uint8_t *sector0, size_t len, const char *partuuid);
/* Formats a GPT GUID (stored mixed-endian) as lowercase text. */
void disk_guid_format(const uint8_t *guid, char out[37]);
/* Where the GPT entry array starts (bytes) and how long it is, from the header; -1 if invalid. */
int disk_gpt_entries_span(const uint8_t *header, size_t header_len, uint32_t sector_size, uint64_t *offset,
			     uint64_t *len);

#endif
