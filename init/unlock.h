#ifndef SNPBOOT_INIT_UNLOCK_H
#define SNPBOOT_INIT_UNLOCK_H

#include <stddef.h>

#include "bootcfg/bootcfg.h"
#include "disk_key.h"

#define NEWROOT "/newroot"
#define CRYPTSETUP_PATH "/sbin/cryptsetup"

/* UNLOCK_REFUSED: the key opened the disk, but the kernel's mapping is not
 * the pinned one (disk_check.h); the mapping has been removed. */
enum unlock_result { UNLOCK_OK = 0, UNLOCK_WRONG_KEY = 1, UNLOCK_ERROR = 2, UNLOCK_REFUSED = 3 };

/* Opens device (already found) with the key via cryptsetup, the key written to
 * its stdin through a pipe, then wipes key; then checks the live mapping
 * against the disk pin (UNLOCK_REFUSED, mapping removed, if it differs). */
enum unlock_result unlock_open(const struct boot_config *cfg, const char *device, struct disk_key *key, char *err,
			       size_t err_len);
/* Removes the root mapping (after a refusal or a failed mount), logging why not. */
void unlock_close(const struct boot_config *cfg);
/* Mounts /dev/mapper/<name> on NEWROOT with root.fstype and root.options. */
int unlock_mount(const struct boot_config *cfg, char *err, size_t err_len);

/* Splits "ro,noatime,data=ordered" into mount flags and the rest (fs data). Pure. */
int mount_options_parse(const char *options, unsigned long *flags, char *data, size_t data_len);

#endif
