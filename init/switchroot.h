#ifndef SNPBOOT_INIT_SWITCHROOT_H
#define SNPBOOT_INIT_SWITCHROOT_H

#include <stddef.h>

#include "bootcfg/bootcfg.h"

/* Moves /dev /proc /sys /run into NEWROOT, empties the initramfs, makes NEWROOT
 * the root and execs switch_root.init. Returns only on failure (-1, err). */
int switch_root_exec(const struct boot_config *cfg, char *err, size_t err_len);

#endif
