#ifndef SNPBOOT_INIT_ROOTDEV_H
#define SNPBOOT_INIT_ROOTDEV_H

#include <stddef.h>
#include <stdint.h>

/* Finds the block device named by spec ("/dev/vda", "UUID=<LUKS UUID>",
 * "PARTUUID=<GPT partition GUID or MBR SSSSSSSS-NN>"), waiting up to timeout_ms for it to appear.
 * Writes its /dev path into path. 0, or -1 with a reason. */
int rootdev_wait(const char *spec, uint32_t timeout_ms, char *path, size_t path_len, char *err, size_t err_len);

#endif
