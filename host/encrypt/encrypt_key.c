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
#include "cli/secret_file.h"

int encrypt_key_load(const char *prog, const char *path, uint8_t key[ENCRYPT_KEY_MAX], size_t *len)
{
	/* One descriptor, checked then read (secret_file.h): a swap changes nothing. */
	char err[512];
	if (secret_read_file(path, "key file", key, ENCRYPT_KEY_MIN, ENCRYPT_KEY_MAX, len, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "%s: %s%s\n", prog, err,
		strstr(err, " bytes") ? " (the key must be random, high-entropy)" : "");
	return -1;
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
