/* Whole writes and reads on a blocking file descriptor: write(2) and
 * pread(2) may do less than asked or be interrupted, and every caller wants
 * all (or, reading, all up to the end of the file) or an error. */
#ifndef SNPBOOT_FD_IO_H
#define SNPBOOT_FD_IO_H

#include <stddef.h>
#include <stdint.h>

/* Writes all len bytes, retrying on EINTR and short writes. 0, or -1 with
 * errno set (EIO if write(2) made no progress without saying why). */
int fd_write_all(int fd, const void *buf, size_t len);

/* Reads len bytes at offset off, retrying on EINTR and short reads, until
 * len or the end of the file: 0 with *got (less than len only at the end),
 * or -1 with errno set. */
int fd_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got);

#endif
