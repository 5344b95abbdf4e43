/* The device-mapper control interface, for the two things the first stage
 * asks of it directly (no dmsetup binary): the live table of the root
 * mapping, which is what the kernel actually maps whatever header
 * cryptsetup read, and removing that mapping when it is refused. */
#ifndef SNPBOOT_INIT_DM_IOCTL_H
#define SNPBOOT_INIT_DM_IOCTL_H

#include <stddef.h>

#include "disk/dm_crypt_table.h"

/* DM_TABLE_STATUS (table form) of mapping name: it must have exactly one
 * target, of type "crypt"; its line is parsed into *t (lib/disk). The key
 * in it is secret: the ioctl buffer is wiped here, *t with
 * dm_crypt_table_wipe. 0, or -1 with what and why in err (no key in *t). */
int dm_crypt_status(const char *name, struct dm_crypt_table *t, char *err, size_t err_len);

/* DM_DEV_REMOVE of mapping name. 0, or -1 with why in err. */
int dm_remove(const char *name, char *err, size_t err_len);

#endif
