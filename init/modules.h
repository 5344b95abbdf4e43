#ifndef SNPBOOT_INIT_MODULES_H
#define SNPBOOT_INIT_MODULES_H

#include <stddef.h>

#define MODULES_ORDER_PATH "/etc/snpboot/modules.order"
#define MODULES_DIR "/lib/modules"

/* Loads every module named in MODULES_ORDER_PATH (written at build time with
 * dependencies first) with finit_module. Already loaded is fine; a module
 * whose device is absent (ENODEV, e.g. sev-guest outside SNP) is a warning;
 * anything else fails with the module's name. */
int modules_load_all(char *err, size_t err_len);

#endif
