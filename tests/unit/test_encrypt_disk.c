/* encrypt-disk's helpers: option checks, key files (mode, length, never
 * overwritten), progress lines of cryptsetup and qemu-img, the key handed to a
 * child on its stdin, range copies. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "encrypt/encrypt_key.h"
#include "encrypt/encrypt_opts.h"
#include "encrypt/encrypt_run.h"

/* argv ends with NULL, as execve's does. */
static int parse(struct encrypt_opts *o, char *err, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return encrypt_opts_parse(argc, argv, o, err, 160);
}
#define ARGS(...) ((char *[]){"encrypt-disk", __VA_ARGS__, NULL})

static void test_opts(void)
{
	struct encrypt_opts o;
	char err[160];
	is_int(parse(&o, err, ARGS("--key-file", "k", "in.img")), ENCRYPT_OPTS_OK, "key file, in place");
	ok(o.input && strcmp(o.input, "in.img") == 0 && !o.output && o.partition == 0 && !o.progress, "its fields");
	is_int(parse(&o, err, ARGS("--generate-key=k", "--partition", "2", "--output-format", "qcow2",
		     "--progress", "a", "b")),
	       ENCRYPT_OPTS_OK, "every option");
	ok(o.gen_key && o.partition == 2 && o.out_format == ENCRYPT_FMT_QCOW2 && o.progress &&
		   strcmp(o.output, "b") == 0,
	   "their values");
	is_int(parse(&o, err, ARGS("--help")), ENCRYPT_OPTS_HELP, "--help");
	is_int(parse(&o, err, ARGS("in.img")), ENCRYPT_OPTS_USAGE, "no key");
	is_str(err, "need exactly one of --key-file FILE and --generate-key FILE", "its message");
	is_int(parse(&o, err, ARGS("--key-file", "k", "--generate-key", "g", "in")), ENCRYPT_OPTS_USAGE,
	       "both key options");
	is_int(parse(&o, err, ARGS("--key-file", "k")), ENCRYPT_OPTS_USAGE, "no input");
	is_int(parse(&o, err, ARGS("--key-file", "k", "a", "b", "c")), ENCRYPT_OPTS_USAGE,
	       "three files");
	is_int(parse(&o, err, ARGS("--key-file", "k", "--partition", "0", "in")), ENCRYPT_OPTS_USAGE,
	       "partition 0");
	is_int(parse(&o, err, ARGS("--key-file", "k", "--partition", "2x", "in")), ENCRYPT_OPTS_USAGE,
	       "partition not a number");
	is_str(err, "--partition wants a partition number from 1 to 128, not '2x'", "its message");
	is_int(parse(&o, err, ARGS("--key-file", "k", "--output-format", "vmdk", "in")),
	       ENCRYPT_OPTS_USAGE, "unknown output format");
	is_int(parse(&o, err, ARGS("--key-file", "in", "in")), ENCRYPT_OPTS_USAGE,
	       "the key file cannot be the image");
	is_int(parse(&o, err, ARGS("--key-file", "k", "--bogus", "in")), ENCRYPT_OPTS_USAGE,
	       "unknown option");
	is_int(parse(&o, err, ARGS("--key-file", "k", "")), ENCRYPT_OPTS_USAGE, "empty file name");
}

static void put_file(const char *path, const void *data, size_t len, unsigned mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) != 0)
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void test_keys(const char *dir)
{
	char path[512];
	uint8_t key[ENCRYPT_KEY_MAX], data[600];
	size_t len = 0;
	memset(data, 0x5a, sizeof data);
	snprintf(path, sizeof path, "%s/key", dir);
	put_file(path, data, 64, 0600);
	ok(encrypt_key_load("t", path, key, &len) == 0 && len == 64 && key[63] == 0x5a, "0600 key file loaded");
	put_file(path, data, 64, 0400);
	is_int(encrypt_key_load("t", path, key, &len), 0, "0400 is stricter: loaded");
	put_file(path, data, 64, 0640);
	is_int(encrypt_key_load("t", path, key, &len), -1, "group-readable key refused");
	put_file(path, data, 64, 0604);
	is_int(encrypt_key_load("t", path, key, &len), -1, "world-readable key refused");
	put_file(path, data, 31, 0600);
	is_int(encrypt_key_load("t", path, key, &len), -1, "31 bytes: too short for a fast PBKDF");
	put_file(path, data, 513, 0600);
	is_int(encrypt_key_load("t", path, key, &len), -1, "513 bytes: too long");
	put_file(path, data, 512, 0600);
	ok(encrypt_key_load("t", path, key, &len) == 0 && len == 512, "512 bytes: the most");
	is_int(encrypt_key_load("t", dir, key, &len), -1, "a directory is not a key file");
	snprintf(path, sizeof path, "%s/missing", dir);
	is_int(encrypt_key_load("t", path, key, &len), -1, "missing key file");

	snprintf(path, sizeof path, "%s/gen", dir);
	unlink(path);
	mode_t old = umask(0);
	int rc = encrypt_key_generate("t", path, key, &len);
	umask(old);
	struct stat st;
	ok(rc == 0 && len == ENCRYPT_KEY_GENERATED && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
		   st.st_size == ENCRYPT_KEY_GENERATED,
	   "generated: 32 bytes, mode 0600 even with umask 0");
	uint8_t again[ENCRYPT_KEY_MAX];
	size_t len2 = 0;
	ok(encrypt_key_load("t", path, again, &len2) == 0 && len2 == len && memcmp(again, key, len) == 0,
	   "the file holds the key returned");
	uint8_t first[ENCRYPT_KEY_GENERATED];
	memcpy(first, key, sizeof first);
	is_int(encrypt_key_generate("t", path, key, &len), -1, "an existing file is never overwritten");
	ok(encrypt_key_load("t", path, again, &len2) == 0 && len2 == sizeof first &&
		   memcmp(again, first, sizeof first) == 0,
	   "and it is unchanged");
	unlink(path);
}

static void test_progress(void)
{
	uint64_t done = 0, total = 0;
	is_int(progress_parse_line("{\"device\":\"f.img\",\"device_bytes\":\"8192\",\"device_size\":\"44040192\","
				   "\"speed\":\"1\",\"eta_ms\":\"2\",\"time_ms\":\"3\"}",
				   &done, &total),
	       0, "cryptsetup --progress-json line");
	ok(done == 8192 && total == 44040192, "its bytes");
	is_int(progress_parse_line("    (42.50/100%)", &done, &total), 1, "qemu-img -p line: a percentage");
	ok(done == 4250 && total == 10000, "as parts per 10000");
	is_int(progress_parse_line("    (100.00/100%)", &done, &total), 1, "qemu-img at 100%%");
	is_int(progress_parse_line("(101.00/100%)", &done, &total), -1, "over 100%% refused");
	is_int(progress_parse_line("{\"device_bytes\":\"9\",\"device_size\":\"8\"}", &done, &total), -1,
	       "more done than the total refused");
	is_int(progress_parse_line("{\"device_bytes\":\"x\",\"device_size\":\"8\"}", &done, &total), -1,
	       "not a number");
	is_int(progress_parse_line("Finished, time 00:01.000, 42 MiB written", &done, &total), -1, "other text");
}

static void test_run_tool(const char *dir)
{
	char out[512], script[700];
	snprintf(out, sizeof out, "%s/stdin-copy", dir);
	snprintf(script, sizeof script, "cat > '%s'; echo '{\"device_bytes\":\"1\",\"device_size\":\"2\"}'", out);
	char *argv[] = {"sh", "-c", script, NULL};
	const uint8_t secret[] = {0, 1, 2, 0xff, '\n', 'k'};
	struct progress p;
	progress_init(&p, 0, "test");
	is_int(run_tool("t", argv, NULL, secret, sizeof secret, &p), 0, "tool ran");
	uint8_t got[16];
	int fd = open(out, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, got, sizeof got) : -1;
	if (fd >= 0)
		close(fd);
	ok(n == (ssize_t)sizeof secret && memcmp(got, secret, sizeof secret) == 0,
	   "the secret arrived on stdin, byte for byte");
	unlink(out);
	char *fail[] = {"sh", "-c", "exit 7", NULL};
	is_int(run_tool("t", fail, NULL, NULL, 0, &p), 7, "exit status returned");
	char *killed[] = {"sh", "-c", "kill -9 $$", NULL};
	is_int(run_tool("t", killed, NULL, NULL, 0, &p), 128 + 9, "killed by a signal: 128+N");
	char *pwd[] = {"sh", "-c", "pwd > cwd-here", NULL};
	snprintf(out, sizeof out, "%s/cwd-here", dir);
	ok(run_tool("t", pwd, dir, NULL, 0, &p) == 0 && access(out, F_OK) == 0, "runs in the directory given");
	unlink(out);
	char *missing[] = {"/nonexistent/tool", NULL};
	is_int(run_tool("t", missing, NULL, NULL, 0, &p), 127, "a missing tool: 127");
}

static void test_copy(const char *dir)
{
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	static uint8_t data[3 << 20], back[3 << 20];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = i < (1 << 20) ? 0 : (uint8_t)(i * 7 + 3);
	put_file(a, data, sizeof data, 0600);
	int in = open(a, O_RDONLY), out = open(b, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(in >= 0 && out >= 0 && ftruncate(out, 2 << 20) == 0, "files for the copy");
	is_int(copy_range("t", in, 1 << 19, out, 4096, (2 << 20) - 4096, 1, NULL), 0, "range copied (sparse)");
	ok(pread(out, back, 2 << 20, 0) == 2 << 20 && memcmp(back + 4096, data + (1 << 19), (2 << 20) - 4096) == 0,
	   "same bytes at the new offset");
	is_int(copy_range("t", in, 2 << 20, out, 0, 2 << 20, 0, NULL), -1, "reading past the end fails");
	close(in);
	close(out);
	unlink(a);
	unlink(b);
}

int main(void)
{
	char dir[] = "/tmp/test_encrypt_disk.XXXXXX";
	if (!mkdtemp(dir)) {
		diag("mkdtemp failed");
		return 1;
	}
	test_opts();
	test_keys(dir);
	test_progress();
	test_run_tool(dir);
	test_copy(dir);
	rmdir(dir);
	return done_testing();
}
