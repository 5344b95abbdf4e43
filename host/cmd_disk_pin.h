/* The disk pin of an image file, shared by `snpboot disk-pin` and
 * `snpboot encrypt-disk` (which prints it when it finishes). */
#ifndef SNPBOOT_HOST_CMD_DISK_PIN_H
#define SNPBOOT_HOST_CMD_DISK_PIN_H

#include <stddef.h>
#include <stdint.h>

/* The boot.toml [root] pin lines for the LUKS2 header at byte offset of the
 * file path, in out (cap bytes). 0, or -1 with why in err. */
int disk_pin_toml_of_file(const char *path, uint64_t offset, char *out, size_t cap, char *err, size_t err_len);

#endif
