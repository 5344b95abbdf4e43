/* The owner's side keeping secrets and promises: key files checked on the
 * descriptor they are read from (secret_file.h), the one-release-per-launch
 * record (release_log.h), and expect.min_tcb taken from a report or a VCEK
 * (min_tcb_from.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "cli/secret_file.h"
#include "client/release_log.h"
#include "vmdefgen/min_tcb_from.h"

static char tmpdir[] = "/tmp/test_client_secrets.XXXXXX";
static char err[1024];

static void put_file(const char *path, const void *data, size_t len, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) != 0)
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void test_secret_file(void)
{
	char path[256], link[256];
	uint8_t data[600], out[512];
	size_t len = 0;
	memset(data, 0x5a, sizeof data);
	snprintf(path, sizeof path, "%s/key", tmpdir);
	put_file(path, data, 64, 0600);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == 0 && len == 64 &&
		   out[63] == 0x5a,
	   "0600 file read");
	put_file(path, data, 64, 0400);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == 0, "0400 is stricter: read");
	put_file(path, data, 64, 0640);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 &&
		   strstr(err, "must be a regular file of mode 0600 or stricter (it is 640); chmod 600 it"),
	   "group-readable refused: %s", err);
	put_file(path, data, 64, 0604);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 && strstr(err, "(it is 604)"),
	   "world-readable refused");
	put_file(path, data, 64, 0600);
	snprintf(link, sizeof link, "%s/link", tmpdir);
	ok(symlink(path, link) == 0, "a symlink to the key");
	ok(secret_read_file(link, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 &&
		   strstr(err, "is a symbolic link: name the file itself"),
	   "a symbolic link refused (O_NOFOLLOW): %s", err);
	ok(secret_read_file(tmpdir, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 &&
		   strstr(err, "expected a regular file, got a directory"),
	   "a directory refused: %s", err);
	put_file(path, data, 0, 0600);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 &&
		   strstr(err, "expected 1 to 512 bytes, got 0"),
	   "empty refused: %s", err);
	put_file(path, data, 513, 0600);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 &&
		   strstr(err, "got more than 512"),
	   "513 bytes refused: %s", err);
	put_file(path, data, 512, 0600);
	ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == 0 && len == 512,
	   "512 bytes: the most");
	if (geteuid() == 0 && chown(path, 1, 1) == 0)
		ok(secret_read_file(path, "disk key file", out, 1, 512, &len, err, sizeof err) == -1 &&
			   strstr(err, "must be owned by you (uid 0), not uid 1"),
		   "a file owned by someone else refused: %s", err);
	else
		ok(1, "# SKIP ownership check needs root to chown");

	/* Descriptors: a pipe as it is, a file checked like a path. */
	int p[2];
	ok(pipe(p) == 0 && write(p[1], "pipe-key", 8) == 8 && close(p[1]) == 0, "a pipe holding a key");
	ok(secret_read_fd(p[0], "disk key", out, 1, 512, &len, err, sizeof err) == 0 && len == 8 &&
		   memcmp(out, "pipe-key", 8) == 0,
	   "read from a pipe descriptor");
	ok(fcntl(p[0], F_GETFD) == -1 && errno == EBADF, "and the descriptor is closed");
	put_file(path, data, 64, 0644);
	int fd = open(path, O_RDONLY);
	ok(secret_read_fd(fd, "disk key", out, 1, 512, &len, err, sizeof err) == -1 &&
		   strstr(err, "on descriptor") && strstr(err, "(it is 644)"),
	   "a world-readable file on a descriptor refused: %s", err);
	ok(secret_read_fd(fd, "disk key", out, 1, 512, &len, err, sizeof err) == -1 && strstr(err, "Bad file descriptor"),
	   "a closed descriptor: %s", err);
	int n;
	ok(secret_parse_fd("3", &n) == 0 && n == 3 && secret_parse_fd("0", &n) == 0 && secret_parse_fd("-1", &n) == -1 &&
		   secret_parse_fd("x", &n) == -1 && secret_parse_fd("1024", &n) == -1 && secret_parse_fd("", &n) == -1,
	   "descriptor numbers parsed strictly");
	unlink(link);
	unlink(path);
}

static void test_release_log(void)
{
	char dir[256], line[256], path[400];
	uint8_t m[48], m2[48], id[32], id2[32];
	memset(m, 1, sizeof m);
	memset(m2, 2, sizeof m2);
	memset(id, 0xab, sizeof id);
	memset(id2, 0xcd, sizeof id2);
	snprintf(dir, sizeof dir, "%s/cache/snpboot/releases", tmpdir);
	struct release_log l;
	ok(release_log_open(&l, dir, m, err, sizeof err) == 0, "record opened (directories made): %s", err);
	struct stat st;
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "directory mode 0700");
	ok(release_log_find(&l, id, line, sizeof line, err, sizeof err) == 0, "a new REPORT_ID is not recorded");

	/* Held: another opener cannot take the lock. */
	snprintf(path, sizeof path, "%s", l.path);
	strcpy(path + strlen(path) - 4, ".lock");
	int other = open(path, O_RDWR);
	ok(other >= 0 && flock(other, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "the record is locked while open");

	ok(release_log_add(&l, id, "vm-a", err, sizeof err) == 0, "release recorded");
	ok(stat(l.path, &st) == 0 && (st.st_mode & 0777) == 0600, "record mode 0600");
	ok(release_log_find(&l, id, line, sizeof line, err, sizeof err) == 1 &&
		   strncmp(line, "abababab", 8) == 0 && strstr(line, " vm-a"),
	   "found again, with its line: %s", line);
	ok(release_log_find(&l, id2, line, sizeof line, err, sizeof err) == 0, "another REPORT_ID is not");
	ok(release_log_add(&l, id2, "vm-a", err, sizeof err) == 0 &&
		   release_log_find(&l, id, line, sizeof line, err, sizeof err) == 1 &&
		   release_log_find(&l, id2, line, sizeof line, err, sizeof err) == 1,
	   "a second release kept beside the first");
	release_log_close(&l);
	ok(flock(other, LOCK_EX | LOCK_NB) == 0, "closed: the lock is free");
	close(other);

	ok(release_log_open(&l, dir, m2, err, sizeof err) == 0 &&
		   release_log_find(&l, id, line, sizeof line, err, sizeof err) == 0,
	   "another MEASUREMENT keeps its own record");
	release_log_close(&l);
	ok(release_log_open(&l, dir, m, err, sizeof err) == 0 &&
		   release_log_find(&l, id, line, sizeof line, err, sizeof err) == 1,
	   "reopened: the release is still there");
	release_log_close(&l);

	chmod(dir, 0755);
	ok(release_log_open(&l, dir, m, err, sizeof err) == 0 && stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
	   "a too open directory is made 0700 again");
	release_log_close(&l);

	setenv("XDG_CACHE_HOME", "/x", 1);
	ok(release_log_default_dir(path, sizeof path) == 0 && strcmp(path, "/x/snpboot/releases") == 0,
	   "default under XDG_CACHE_HOME");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/h", 1);
	ok(release_log_default_dir(path, sizeof path) == 0 && strcmp(path, "/h/.cache/snpboot/releases") == 0,
	   "else under ~/.cache");
}

static void test_min_tcb_from(void)
{
	char path[512], value[96], what[128], pem[512];
	snprintf(path, sizeof path, "%s/testvectors/real/milan/report.bin", shared_dir());
	ok(min_tcb_from_file("t", path, value, sizeof value, what, sizeof what, err, sizeof err) == 0 &&
		   strcmp(value, "bootloader=3,tee=0,snp=8,microcode=115") == 0 && strstr(what, "REPORTED_TCB of a version 2"),
	   "from the real Milan report: %s (%s)", value, what);
	snprintf(path, sizeof path, "%s/testvectors/real/milan/vcek.der", shared_dir());
	ok(min_tcb_from_file("t", path, value, sizeof value, what, sizeof what, err, sizeof err) == 0 &&
		   strcmp(value, "bootloader=3,tee=0,snp=8,microcode=115") == 0 && strstr(what, "VCEK for Milan"),
	   "from its VCEK (DER): %s (%s)", value, what);
	snprintf(pem, sizeof pem, "openssl x509 -inform der -in '%s' -out '%s/vcek.pem' 2>/dev/null", path, tmpdir);
	snprintf(path, sizeof path, "%s/vcek.pem", tmpdir);
	if (system(pem) == 0)
		ok(min_tcb_from_file("t", path, value, sizeof value, what, sizeof what, err, sizeof err) == 0 &&
			   strcmp(value, "bootloader=3,tee=0,snp=8,microcode=115") == 0,
		   "from its VCEK (PEM)");
	else
		ok(1, "# SKIP no openssl for the PEM form");
	unlink(path);
	snprintf(path, sizeof path, "%s/testvectors/real/turin/vcek.der", shared_dir());
	ok(min_tcb_from_file("t", path, value, sizeof value, what, sizeof what, err, sizeof err) == 0 &&
		   strstr(value, ",fmc=") && strstr(what, "Turin"),
	   "a Turin VCEK adds fmc: %s", value);
	snprintf(path, sizeof path, "%s/testvectors/real/milan/cert_chain.pem", shared_dir());
	ok(min_tcb_from_file("t", path, value, sizeof value, what, sizeof what, err, sizeof err) == -1 &&
		   strstr(err, "the certificate lacks AMD's TCB extensions") && strstr(err, "got extension bits 0x0"),
	   "the ASK is not a VCEK: %s", err);
	snprintf(path, sizeof path, "%s/junk", tmpdir);
	FILE *f = fopen(path, "w");
	ok(f && fputs("junk\n", f) >= 0 && fclose(f) == 0, "a junk file");
	ok(min_tcb_from_file("t", path, value, sizeof value, what, sizeof what, err, sizeof err) == -1 &&
		   strstr(err, "5 bytes is neither a 1184-byte SNP report, a saved EVIDENCE frame nor a VCEK certificate"),
	   "junk: %s", err);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_secret_file();
	test_release_log();
	test_min_tcb_from();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("cannot remove %s", tmpdir);
	return done_testing();
}
