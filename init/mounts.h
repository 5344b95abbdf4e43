#ifndef SNPBOOT_INIT_MOUNTS_H
#define SNPBOOT_INIT_MOUNTS_H

#include <stddef.h>

/* Mounts /proc, /sys, /dev (devtmpfs), /dev/pts-free /run. 0 or -1 with err. */
int mount_basics(char *err, size_t err_len);
/* configfs at /sys/kernel/config, for configfs-tsm; a missing configfs is not an error. */
void mount_configfs(void);

#endif
