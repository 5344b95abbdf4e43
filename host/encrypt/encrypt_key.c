/* Key files for `snpboot encrypt-disk` (see encrypt_key.h). */
#include "encrypt_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"

int encrypt_key_load(const char *prog, const char *path, uint8_t key[ENCRYPT_KEY_MAX], size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: key file %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Checked on the open file, so a swap between check and read changes nothing. */
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: key file %s: not a regular file\n", prog, path);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		fprintf(stderr, "%s: key file %s: must be a regular file of mode 0600 or stricter (it is %03o); "
				"chmod 600 it\n",
			prog, path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	uint8_t buf[ENCRYPT_KEY_MAX + 1];
	size_t used = 0;
	for (;;) {
		ssize_t n = read(fd, buf + used, sizeof buf - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: key file %s: %s\n", prog, path, strerror(errno));
			used = SIZE_MAX;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == sizeof buf)
			break;
	}
	close(fd);
	int rc = -1;
	if (used != SIZE_MAX && (used < ENCRYPT_KEY_MIN || used > ENCRYPT_KEY_MAX)) {
		fprintf(stderr, "%s: key file %s: the key must be %d to %d bytes (random, high-entropy)%s\n", prog,
			path, ENCRYPT_KEY_MIN, ENCRYPT_KEY_MAX, used > ENCRYPT_KEY_MAX ? ", it is longer" : "");
	} else if (used != SIZE_MAX) {
		memcpy(key, buf, used);
		*len = used;
		rc = 0;
	}
	secure_wipe(buf, sizeof buf);
	return rc;
}

int encrypt_key_generate(const char *prog, const char *path, uint8_t key[ENCRYPT_KEY_MAX], size_t *len)
{
	size_t got = 0;
	while (got < ENCRYPT_KEY_GENERATED) {
		ssize_t n = getrandom(key + got, ENCRYPT_KEY_GENERATED - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: getrandom: %s\n", prog, strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: --generate-key %s: %s%s\n", prog, path, strerror(errno),
			errno == EEXIST ? " (never overwritten; use --key-file to encrypt with it)" : "");
		secure_wipe(key, ENCRYPT_KEY_GENERATED);
		return -1;
	}
	/* O_CREAT's mode is filtered by the umask; make sure it is exactly 0600. */
	int rc = fchmod(fd, 0600) == 0 && write(fd, key, ENCRYPT_KEY_GENERATED) == ENCRYPT_KEY_GENERATED &&
			 fsync(fd) == 0
		 ? 0
		 : -1;
	if (rc != 0)
		fprintf(stderr, "%s: --generate-key %s: %s\n", prog, path, strerror(errno));
	if (close(fd) != 0)
		rc = -1;
	if (rc != 0) {
		unlink(path);
		secure_wipe(key, ENCRYPT_KEY_GENERATED);
		return -1;
	}
	*len = ENCRYPT_KEY_GENERATED;
	return 0;
}
