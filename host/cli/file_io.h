/* Whole-file helpers for the host tools (allocation is fine on the host). */
#ifndef SNPBOOT_HOST_FILE_IO_H
#define SNPBOOT_HOST_FILE_IO_H

#include <stddef.h>

/* Reads the whole file (up to max bytes) into a malloc'd buffer with a NUL
 * after the data. NULL with a message on stderr prefixed by prog. */
char *file_read_all(const char *prog, const char *path, size_t max, size_t *len);
/* Writes data to path atomically (temp file + rename) with the given mode.
 * An existing path must be a regular file (no device, symlink or directory).
 * 0 or -1 (message on stderr). */
int file_write_all(const char *prog, const char *path, const void *data, size_t len, unsigned mode);

#endif
