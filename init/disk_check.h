/* The disk pin as the first stage enforces it (boot.toml root.pin_*;
 * lib/disk/disk_pin.h): whatever runs after switch_root can obtain genuine
 * reports for this MEASUREMENT, so the key may open only the pinned disk,
 * mapped exactly as pinned. */
#ifndef SNPBOOT_INIT_DISK_CHECK_H
#define SNPBOOT_INIT_DISK_CHECK_H

#include <stddef.h>

#include "bootcfg/bootcfg.h"

/* Before the key is asked for: device's LUKS2 header must be one the first
 * stage accepts and match the pin. A courtesy (the host may serve other
 * bytes to cryptsetup later): it refuses a wrong disk early and says why.
 * 0, or -1 with every difference in err. */
int disk_check_header(const struct boot_config *cfg, const char *device, char *err, size_t err_len);

/* After `cryptsetup open`, before mounting: the kernel's live table of the
 * root mapping must map the pinned segment of device, with a volume key
 * that passes the pinned digest. The check that counts. 0, or -1 with what
 * differed in err (the caller removes the mapping). */
int disk_check_mapping(const struct boot_config *cfg, const char *device, char *err, size_t err_len);

#endif
