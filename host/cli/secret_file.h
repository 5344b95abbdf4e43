/* Secrets the owner's tools read (disk keys, private keys): from a file the
 * caller alone can read, or from an inherited descriptor; never from argv
 * or the environment. The file is opened once and that descriptor is
 * checked, so a file swapped between a check and the read changes nothing. */
#ifndef SNPBOOT_HOST_SECRET_FILE_H
#define SNPBOOT_HOST_SECRET_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reads min..max bytes from path into out. The file is opened with
 * O_NOFOLLOW (a symbolic link is refused) and the open descriptor must be a
 * regular file owned by the caller (effective uid) with mode 0600 or
 * stricter. what names it in messages ("disk key file"). 0 and *len, or -1
 * with what did not match (expected vs got) and the fix in err. out is
 * wiped on failure.
 */
int secret_read_file(const char *path, const char *what, uint8_t *out, size_t min, size_t max, size_t *len,
		     char *err, size_t err_len);

/*
 * The same from an inherited descriptor, read to its end and closed: a pipe
 * or socket (whoever wrote into it chose to), or a regular file, which is
 * then checked as above.
 */
int secret_read_fd(int fd, const char *what, uint8_t *out, size_t min, size_t max, size_t *len, char *err,
		   size_t err_len);

/* "3" -> 3: a descriptor number 0..1023 given on the command line. 0, or -1. */
int secret_parse_fd(const char *arg, int *fd);

#endif
