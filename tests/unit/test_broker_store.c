/* The broker store on SQLite (every operation, broker_store_cases.h), the
 * disk-key seal and the master key file rules. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/broker_keywrap.h"
#include "broker/broker_master_key.h"
#include "broker_store_cases.h"

static char tmpdir[] = "/tmp/test_broker_store.XXXXXX";

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void test_keywrap(void)
{
	struct broker_keys k, other;
	char err[BROKER_ERR_MAX] = "";
	uint8_t master2[32], key[40], nonce[12], nonce2[12], sealed[40 + 16], sealed2[40 + 16], out[64];
	size_t len = 0;
	memset(master2, 7, sizeof master2);
	memset(key, 0x5c, sizeof key);
	broker_keys_derive(&k, test_master);
	broker_keys_derive(&other, master2);
	ok(strlen(k.key_id) == 16 && strcmp(k.key_id, other.key_id) != 0, "keywrap: key ids differ per master key");
	ok(broker_keywrap_seal(&k, "web-1", 3, key, sizeof key, nonce, sealed, err, sizeof err) == 0 &&
		   broker_keywrap_seal(&k, "web-1", 3, key, sizeof key, nonce2, sealed2, err, sizeof err) == 0,
	   "keywrap: seal twice");
	ok(memcmp(nonce, nonce2, 12) != 0 && memcmp(sealed, sealed2, sizeof sealed) != 0,
	   "keywrap: a fresh nonce each time, so different ciphertexts");
	ok(memcmp(sealed, key, sizeof key) != 0, "keywrap: the ciphertext is not the key");
	ok(broker_keywrap_open(&k, "web-1", 3, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) == 0 &&
		   len == sizeof key && memcmp(out, key, len) == 0,
	   "keywrap: round trip: %s", err);
	sealed[5] ^= 0x80;
	ok(broker_keywrap_open(&k, "web-1", 3, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) != 0 &&
		   bytes_all_zero(out, sizeof out),
	   "keywrap: a flipped ciphertext byte is refused, output wiped");
	sealed[5] ^= 0x80;
	sealed[sizeof sealed - 1] ^= 1;
	ok(broker_keywrap_open(&k, "web-1", 3, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) != 0,
	   "keywrap: a flipped tag byte is refused");
	sealed[sizeof sealed - 1] ^= 1;
	ok(broker_keywrap_open(&k, "web-2", 3, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) != 0 &&
		   contains(err, "vm 'web-2' version 3 does not open"),
	   "keywrap: another VM's name in the AAD is refused: %s", err);
	ok(broker_keywrap_open(&k, "web-1", 2, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) != 0,
	   "keywrap: another version in the AAD is refused");
	ok(broker_keywrap_open(&other, "web-1", 3, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) != 0,
	   "keywrap: another master key is refused");
	nonce[0] ^= 1;
	ok(broker_keywrap_open(&k, "web-1", 3, nonce, sealed, sizeof sealed, out, sizeof out, &len, err, sizeof err) != 0,
	   "keywrap: another nonce is refused");
	ok(broker_keywrap_open(&k, "web-1", 3, nonce, sealed, 16, out, sizeof out, &len, err, sizeof err) != 0 &&
		   contains(err, "malformed"),
	   "keywrap: a tag alone is malformed");
	broker_keys_wipe(&k);
	ok(bytes_all_zero(&k, sizeof k), "keywrap: subkeys wiped");
	broker_keys_wipe(&other);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd >= 0) {
		if (write(fd, data, len) != (ssize_t)len)
			diag("short write to %s", path);
		fchmod(fd, mode);
		close(fd);
	}
}

static void test_master_key(void)
{
	char err[BROKER_ERR_MAX] = "", path[256], link[256];
	uint8_t key[32], key2[32];
	path_in(path, sizeof path, "master.key");
	ok(broker_master_key_generate(path, err, sizeof err) == 0, "master key: generated: %s", err);
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32, "master key: 32 bytes, mode 0600");
	ok(broker_master_key_generate(path, err, sizeof err) != 0 && contains(err, "already exists"),
	   "master key: an existing file is never overwritten: %s", err);
	ok(broker_master_key_load_file(path, key, err, sizeof err) == 0, "master key: loads: %s", err);
	ok(broker_master_key_load(path, key2, err, sizeof err) == 0 && memcmp(key, key2, 32) == 0 && !bytes_all_zero(key, 32),
	   "master key: load by spec, same bytes");
	chmod(path, 0640);
	ok(broker_master_key_load_file(path, key, err, sizeof err) != 0 && contains(err, "mode 0600 or stricter") &&
		   contains(err, "640"),
	   "master key: mode 0640 refused: %s", err);
	chmod(path, 0400);
	ok(broker_master_key_load_file(path, key, err, sizeof err) == 0, "master key: mode 0400 is fine");
	chmod(path, 0600);
	path_in(link, sizeof link, "master.link");
	unlink(link);
	ok(symlink(path, link) == 0 && broker_master_key_load_file(link, key, err, sizeof err) != 0 &&
		   contains(err, "symbolic link"),
	   "master key: a symbolic link is refused: %s", err);
	path_in(path, sizeof path, "short.key");
	write_file(path, "abc", 3, 0600);
	ok(broker_master_key_load_file(path, key, err, sizeof err) != 0 && contains(err, "expected 32 to 32 bytes, got 3"),
	   "master key: 3 bytes refused: %s", err);
	uint8_t big[33] = {0};
	write_file(path, big, sizeof big, 0600);
	ok(broker_master_key_load_file(path, key, err, sizeof err) != 0 && contains(err, "more than 32"),
	   "master key: 33 bytes refused: %s", err);
	ok(broker_master_key_load_file(tmpdir, key, err, sizeof err) != 0, "master key: a directory is refused: %s", err);
	if (geteuid() == 0) {
		/* Owned by someone else (root can chown): refused even at 0600. */
		path_in(path, sizeof path, "theirs.key");
		write_file(path, test_master, 32, 0600);
		ok(chown(path, 65534, 65534) == 0 && broker_master_key_load_file(path, key, err, sizeof err) != 0 &&
			   contains(err, "must be owned by you"),
		   "master key: another user's file is refused: %s", err);
	}

	/* systemd credential */
	char creds[256];
	path_in(creds, sizeof creds, "creds");
	mkdir(creds, 0700);
	snprintf(path, sizeof path, "%s/broker-master", creds);
	write_file(path, test_master, 32, 0400);
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	ok(broker_master_key_load("cred:broker-master", key, err, sizeof err) == 0 && memcmp(key, test_master, 32) == 0,
	   "master key: from a systemd credential: %s", err);
	ok(broker_master_key_load_credential("../x", key, err, sizeof err) != 0 && contains(err, "without '/'"),
	   "master key: a credential name with '/' is refused: %s", err);
	unsetenv("CREDENTIALS_DIRECTORY");
	ok(broker_master_key_load_credential("broker-master", key, err, sizeof err) != 0 &&
		   contains(err, "CREDENTIALS_DIRECTORY is not set"),
	   "master key: no credentials directory: %s", err);
	secure_wipe(key, sizeof key);
	secure_wipe(key2, sizeof key2);
}

static void test_open_errors(void)
{
	char err[BROKER_ERR_MAX] = "", path[256];
	struct broker_store *s = (struct broker_store *)1;
	ok(broker_store_open(&s, "/nonexistent/dir/broker.db", test_master, err, sizeof err) != 0 && !s &&
		   contains(err, "No such file or directory"),
	   "open: a path in a missing directory: %s", err);
	ok(broker_store_open(&s, "", test_master, err, sizeof err) != 0 && contains(err, "no database named"),
	   "open: an empty URL: %s", err);
	path_in(path, sizeof path, "notadb");
	write_file(path, "this is not a database, just some text that is long enough\n", 60, 0600);
	char url[300];
	snprintf(url, sizeof url, "sqlite:%s", path);
	ok(broker_store_open(&s, url, test_master, err, sizeof err) != 0 && contains(err, "not a database"),
	   "open: a file that is not SQLite: %s", err);
	/* A libpq keyword string goes to PostgreSQL, whose socket is not there. */
	ok(broker_store_open(&s, "host=/nonexistent dbname=broker connect_timeout=2", test_master, err, sizeof err) != 0 &&
		   contains(err, "postgresql: cannot connect"),
	   "open: a PostgreSQL server that is down: %s", err);
	ok(broker_store_open(&s, "postgresql://u:secret-pw@/broker?host=/nonexistent", test_master, err, sizeof err) != 0 &&
		   !contains(err, "secret-pw"),
	   "open: the password is not in the message: %s", err);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_keywrap();
	test_master_key();
	test_open_errors();

	char path[256], url[300];
	path_in(path, sizeof path, "broker.db");
	snprintf(url, sizeof url, "sqlite:%s", path);
	run_store_cases(url, "sqlite");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "sqlite: the database file is mode 0600");
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path);
	struct broker_store *s = NULL;
	char err[BROKER_ERR_MAX];
	ok(broker_store_open(&s, path, test_master, err, sizeof err) == 0 && stat(wal, &st) == 0,
	   "sqlite: a plain path works too, in WAL mode: %s", err);
	broker_store_close(s);

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
