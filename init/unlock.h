#ifndef SNPBOOT_INIT_UNLOCK_H
#define SNPBOOT_INIT_UNLOCK_H

#include <stddef.h>

#include "bootcfg.h"
#include "disk_key.h"

#define NEWROOT "/newroot"
#define CRYPTSETUP_PATH "/sbin/cryptsetup"

enum unlock_result { UNLOCK_OK = 0, UNLOCK_WRONG_KEY = 1, UNLOCK_ERROR = 2 };

/* Opens device (already found) with the key via cryptsetup, the key written to
 * its stdin through a pipe, then wipes key. */
enum unlock_result unlock_open(const struct boot_config *cfg, const char *device, struct disk_key *key, char *err,
			       size_t err_len);
/* Mounts /dev/mapper/<name> on NEWROOT with root.fstype and root.options. */
int unlock_mount(const struct boot_config *cfg, char *err, size_t err_len);

/* Splits "ro,noatime,data=ordered" into mount flags and the rest (fs data). Pure. */
int mount_options_parse(const char *options, unsigned long *flags, char *data, size_t data_len);

#endif
