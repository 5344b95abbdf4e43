/* Whole writes on a blocking file descriptor: write(2) may write less than
 * asked or be interrupted, and every caller wants all or an error. */
#ifndef SNPBOOT_FD_IO_H
#define SNPBOOT_FD_IO_H

#include <stddef.h>

/* Writes all len bytes, retrying on EINTR and short writes. 0, or -1 with
 * errno set (EIO if write(2) made no progress without saying why). */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
