/* snpboot encrypt-disk: turns a plain image (a whole-disk filesystem, or one
 * partition of a GPT or MBR disk; raw or qcow2) into LUKS2, offline, without
 * root or dm-crypt on the host: cryptsetup's offline `reencrypt --encrypt`
 * on a regular file, with --reduce-device-size to make room for the header.
 *
 * The work goes through files next to the output, so an interrupted run
 * (even SIGKILL) is finished by running the same command again:
 *   OUTPUT.snpboot-work       the raw disk, when the output is a new file or
 *                             qcow2 is involved (copied or converted first)
 *   OUTPUT.snpboot-partN      partition N's bytes while they are encrypted
 *   *.tmp                     a copy or conversion not yet complete
 * cryptsetup keeps its own progress in the LUKS2 header ("online-reencrypt"
 * requirement); `reencrypt --resume-only` continues it.
 *
 * Why partitions are copied out and back: cryptsetup can only address a byte
 * range of a file through a loop device (root). A detached header does not
 * help either: the data must still be a device of its own. Copying the range
 * costs twice its size in I/O and its size in free space next to the output,
 * but needs no privilege and leaves the rest of the disk untouched. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "cmd_disk_pin.h"
#include "commands.h"
#include "encrypt/disk_image.h"
#include "encrypt/encrypt_key.h"
#include "encrypt/encrypt_opts.h"
#include "encrypt/encrypt_run.h"

#define PROG "snpboot encrypt-disk"
/* cryptsetup's recommendation for encryption with data shift: twice the
 * default LUKS2 header (16 MiB). The header takes the first 16 MiB, the data
 * moves up by as much, and the last 32 MiB of the range must be unused. */
#define HEADER_ROOM (32ull << 20)
#define HEADER_ROOM_ARG "32M"

enum { EXIT_FAILED = 1, EXIT_TOOL = 4 };

static const char usage_text[] =
	"usage: snpboot encrypt-disk (--key-file FILE | --generate-key FILE) [--partition N]\n"
	"                            [--output-format raw|qcow2] [--progress] INPUT [OUTPUT]\n"
	"\n"
	"Encrypts a plain disk image to LUKS2 (aes-xts-plain64, 512-bit key, PBKDF2),\n"
	"offline and without root: cryptsetup's `reencrypt --encrypt` on the file.\n"
	"INPUT is raw or qcow2 (detected) and holds an ext2/3/4, XFS or btrfs\n"
	"filesystem, either as the whole image or as partition N of a GPT or MBR\n"
	"disk. Without OUTPUT the image is encrypted in place; with OUTPUT, INPUT\n"
	"is left as it was. Prints the new LUKS UUID (and the PARTUUID) for boot.toml.\n"
	"\n"
	"  --key-file FILE      the disk key: 32 to 512 random bytes, a regular file\n"
	"                       you own, mode 0600 or stricter, not a symbolic link\n"
	"                       (refused otherwise)\n"
	"  --generate-key FILE  make a 32-byte random key and write it to FILE (0600);\n"
	"                       an existing FILE is never overwritten, only reused to\n"
	"                       resume an interrupted run\n"
	"  --partition N        encrypt partition N (1-based) of a GPT or MBR disk;\n"
	"                       its filesystem must leave 32 MiB free at its end\n"
	"                       (shrink it first, e.g. resize2fs)\n"
	"  --output-format F    raw or qcow2 (default: the input's format)\n"
	"  --progress           progress on stderr even when it is not a terminal\n"
	"  --cryptsetup PATH    the cryptsetup to run (default: from PATH, /usr/sbin, /sbin)\n"
	"  --qemu-img PATH      the qemu-img to run for qcow2 (default: from PATH)\n"
	"\n"
	"A whole-image filesystem gets 32 MiB added at the end of the file for the\n"
	"header. Interrupted (even killed)? Run the same command again: it resumes.\n"
	"Work files live next to OUTPUT (OUTPUT.snpboot-work, OUTPUT.snpboot-partN).\n"
	"Every file it (or qemu-img, cryptsetup) creates is mode 0600: it runs with\n"
	"umask 077, whatever the caller's.\n"
	"The key goes to cryptsetup through a pipe, never argv or the environment.\n"
	"\n"
	"Exit: 0 encrypted, 1 the encryption failed or was interrupted (rerun to\n"
	"resume), 2 usage, 3 bad input (missing file, not a filesystem, no such\n"
	"partition, no room, already LUKS, key file refused), 4 cryptsetup or\n"
	"qemu-img missing.\n";

/* What is at the start of the range cryptsetup works on. */
enum state { ST_PLAIN, ST_PENDING, ST_DONE };

struct job {
	struct encrypt_opts o;
	const char *output;
	int in_qcow2, out_qcow2, need_copy;
	char work[PATH_MAX], part_work[PATH_MAX];
	char cryptsetup[PATH_MAX], qemu_img[PATH_MAX];
	uint8_t key[ENCRYPT_KEY_MAX];
	size_t key_len;
	int have_key;
	struct disk_part part;
	char luks_uuid[41];
	char pin[1024]; /* the [root] pin lines for boot.toml, read back from the new header */
	struct progress prog;
};

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int name_with(char *out, const char *base, const char *suffix)
{
	int n = snprintf(out, PATH_MAX, "%s%s", base, suffix);
	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, PROG ": %s: path too long\n", base);
		return -1;
	}
	return 0;
}

/* A tool by explicit path, else the first executable in PATH or the sbin
 * directories (cryptsetup is in /usr/sbin, outside a user's usual PATH). */
static int find_tool(const char *name, const char *given, const char *hint, char out[PATH_MAX])
{
	if (given) {
		if (access(given, X_OK) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", given, strerror(errno));
			return -1;
		}
		snprintf(out, PATH_MAX, "%s", given);
		return 0;
	}
	const char *env = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", env ? env : "");
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		int n = snprintf(out, PATH_MAX, "%s/%s", d, name);
		if (n > 0 && n < PATH_MAX && access(out, X_OK) == 0)
			return 0;
	}
	fprintf(stderr, PROG ": %s not found (%s)\n", name, hint);
	return -1;
}

static int read_at(const char *path, uint64_t off, uint8_t *buf, size_t len, size_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*got = 0;
	while (*got < len) {
		ssize_t n = pread(fd, buf + *got, len - *got, (off_t)(off + *got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*got += (size_t)n;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return 0;
}

static int file_size(const char *path, uint64_t *size)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int is_qcow2(const char *path)
{
	uint8_t magic[4];
	size_t got;
	return read_at(path, 0, magic, sizeof magic, &got) == 0 && got == 4 && memcmp(magic, "QFI\xfb", 4) == 0;
}

/* Partition o.partition of the disk in path, into j->part; without
 * --partition the whole file. EXIT_OK or an exit code (message printed). */
static int find_range(struct job *j, const char *path)
{
	uint64_t size;
	if (file_size(path, &size) != 0)
		return EXIT_INPUT;
	memset(&j->part, 0, sizeof j->part);
	j->part.length = size;
	if (!j->o.partition)
		return EXIT_OK;
	uint8_t *buf = malloc(DISK_TABLE_LEN);
	size_t got;
	char err[160];
	int rc = EXIT_OK;
	if (!buf) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = EXIT_FAILED;
	} else if (read_at(path, 0, buf, DISK_TABLE_LEN, &got) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		rc = EXIT_INPUT;
	} else if (disk_part_find(buf, got, size, j->o.partition, &j->part, err, sizeof err) != DISK_PART_OK) {
		fprintf(stderr, PROG ": %s: %s\n", j->o.input, err);
		rc = EXIT_INPUT;
	}
	free(buf);
	return rc;
}

/* How a plain filesystem's room for the header is handled. */
enum room {
	ROOM_CHECK, /* a partition, or a file we must not change: the room must be there */
	ROOM_GROW,  /* a whole-image file of ours: grow it */
	ROOM_LATER, /* a whole image we will copy and grow: do not check yet */
};

/* What starts the range [off, off+len) of path: a LUKS header (finished or
 * not) or a plain filesystem with room for the header. EXIT_OK or an exit
 * code (message printed); *len grows with ROOM_GROW. */
static int probe_range(struct job *j, const char *path, uint64_t off, uint64_t *len, enum room room,
		       enum state *st)
{
	uint8_t *buf = malloc(DISK_PROBE_LEN);
	if (!buf) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_FAILED;
	}
	size_t got, want = *len < DISK_PROBE_LEN ? (size_t)*len : DISK_PROBE_LEN;
	struct disk_probe_result pr = {0};
	int rc = EXIT_OK;
	const char *what = j->o.partition ? "partition" : "image";
	if (read_at(path, off, buf, want, &got) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		rc = EXIT_INPUT;
	} else {
		disk_probe(buf, got, &pr);
	}
	if (rc != EXIT_OK) {
		/* reported */
	} else if (pr.kind == DISK_LUKS) {
		memcpy(j->luks_uuid, pr.luks_uuid, sizeof j->luks_uuid);
		*st = disk_luks_reencrypt_pending(buf, got) ? ST_PENDING : ST_DONE;
	} else if (pr.kind == DISK_MBR || pr.kind == DISK_GPT) {
		fprintf(stderr, PROG ": %s holds %s, not a filesystem: choose a partition with --partition N\n",
			j->o.input, disk_kind_name(pr.kind));
		rc = EXIT_INPUT;
	} else if (pr.kind == DISK_UNKNOWN || pr.fs_bytes == 0 || pr.fs_bytes > UINT64_MAX / 2) {
		fprintf(stderr, PROG ": %s: the %s holds no filesystem this tool knows (ext2/3/4, XFS, btrfs)\n",
			j->o.input, what);
		rc = EXIT_INPUT;
	} else {
		*st = ST_PLAIN;
		uint64_t need = ((pr.fs_bytes + 4095) & ~4095ull) + HEADER_ROOM;
		if (*len >= need || room == ROOM_LATER) {
			/* room enough, or made later */
		} else if (room == ROOM_CHECK) {
			fprintf(stderr,
				PROG ": %s: the %s filesystem uses %llu MiB of the %s's %llu MiB; encryption needs "
				     "%llu MiB free at its end: shrink the filesystem first (e.g. resize2fs)\n",
				j->o.input, disk_kind_name(pr.kind), (unsigned long long)(pr.fs_bytes >> 20), what,
				(unsigned long long)(*len >> 20), (unsigned long long)(HEADER_ROOM >> 20));
			rc = EXIT_INPUT;
		} else if (truncate(path, (off_t)need) != 0) {
			fprintf(stderr, PROG ": %s: cannot grow it for the header: %s\n", path, strerror(errno));
			rc = EXIT_FAILED;
		} else {
			*len = need;
		}
	}
	free(buf);
	return rc;
}

/* find_range, then probe_range on it. */
static int classify(struct job *j, const char *path, enum room room, enum state *st)
{
	int rc = find_range(j, path);
	if (rc != EXIT_OK)
		return rc;
	return probe_range(j, path, j->part.offset, &j->part.length, j->o.partition ? ROOM_CHECK : room, st);
}

/* The state of a whole work file (a partition's copy, or the disk). */
static int classify_file(struct job *j, const char *path, enum state *st)
{
	uint64_t len;
	if (file_size(path, &len) != 0)
		return EXIT_INPUT;
	return probe_range(j, path, 0, &len, ROOM_CHECK, st);
}

/* Copies len bytes of src at src_off into a new file dst (through dst.tmp,
 * renamed when complete, so a half copy is never taken for a whole one). */
static int copy_out(struct job *j, const char *src, uint64_t src_off, uint64_t len, const char *dst, const char *what)
{
	char tmp[PATH_MAX];
	if (name_with(tmp, dst, ".tmp") != 0)
		return -1;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, PROG ": %s: %s\n", src, strerror(errno));
		return -1;
	}
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
		close(in);
		return -1;
	}
	j->prog.what = what;
	int rc = ftruncate(out, (off_t)len) == 0 ? copy_range(PROG, in, src_off, out, 0, len, 1, &j->prog) : -1;
	if (rc != 0 && errno)
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
	close(in);
	if (close(out) != 0 || rc != 0 || rename(tmp, dst) != 0) {
		if (rc == 0)
			fprintf(stderr, PROG ": %s: %s\n", dst, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* qemu-img convert into dst (through dst.tmp, renamed when complete). */
static int convert(struct job *j, const char *src, const char *dst, const char *fmt, const char *what)
{
	char tmp[PATH_MAX];
	if (name_with(tmp, dst, ".tmp") != 0)
		return -1;
	char *argv[] = {j->qemu_img, "convert", "-p", "-O", (char *)fmt, (char *)src, tmp, NULL};
	j->prog.what = what;
	int rc = run_tool(PROG, argv, NULL, NULL, 0, &j->prog);
	if (rc != 0 || rename(tmp, dst) != 0) {
		fprintf(stderr, PROG ": qemu-img convert to %s failed (exit %d)\n", fmt, rc);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* One run at a time per output directory: cryptsetup's own locks live in
 * /run/cryptsetup, which a user cannot write (they are then disabled, see
 * encrypt_file), and two runs resuming the same work file would corrupt it.
 * The directory, not a file: cryptsetup may flock the image itself. Held
 * until we exit. */
static int lock_output_dir(const char *output)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", output);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, PROG ": another snpboot encrypt-disk is working in %s; wait for it\n", dir);
		close(fd);
		return -1;
	}
	return fd; /* deliberately kept open */
}

/* Runs cryptsetup on a whole file: a new encryption, or the rest of one. */
static int encrypt_file(struct job *j, const char *path, enum state st)
{
	char abs[PATH_MAX];
	if (!realpath(path, abs)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* cryptsetup writes its temporary header (LUKS2-temp-*.new) in its working
	 * directory: next to the image, not wherever we were started. */
	char dir[PATH_MAX];
	memcpy(dir, abs, sizeof dir);
	*strrchr(dir, '/') = '\0';
	/* PBKDF2 with 1000 iterations (cryptsetup's minimum): the key is at least
	 * 32 random bytes, so guessing it is hopeless however cheap each guess is.
	 * A slow or memory-hard KDF only protects low-entropy passphrases; here it
	 * would only slow every boot and need memory in a small guest. */
	/* Without root, /run/cryptsetup is not ours: run without cryptsetup's
	 * locks (lock_output_dir keeps runs apart; nothing else uses the file). */
	char *nolock = geteuid() != 0 && access("/run/cryptsetup", W_OK) != 0 ? "--disable-locks" : NULL;
	char *enc[] = {j->cryptsetup, "reencrypt", "--encrypt", "--type", "luks2", "--cipher", "aes-xts-plain64",
		       "--key-size", "512", "--hash", "sha256", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
		       "1000", "--reduce-device-size", HEADER_ROOM_ARG, "--batch-mode", "--key-file=-",
		       "--progress-json", abs, nolock, NULL};
	/* On a regular file cryptsetup cannot tell whether a dm mapping uses it
	 * and wants this to resume; nothing maps our work file. */
	char *resume[] = {j->cryptsetup, "reencrypt", "--resume-only", "--force-offline-reencrypt", "--batch-mode",
			  "--key-file=-", "--progress-json", abs, nolock, NULL};
	/* A kill in the middle of a hotzone leaves the header saying "crash":
	 * cryptsetup then refuses to resume ("Device requires reencryption
	 * recovery") until `repair` has replayed that zone, which needs the key.
	 * On a cleanly checkpointed header repair changes nothing. */
	char *repair[] = {j->cryptsetup, "repair", "--batch-mode", "--key-file=-", abs, nolock, NULL};
	int rc = 0;
	if (st == ST_PENDING) {
		fprintf(stderr, PROG ": %s: resuming the interrupted encryption\n", path);
		rc = run_tool(PROG, repair, dir, j->key, j->key_len, NULL);
		if (rc != 0)
			fprintf(stderr, PROG ": cryptsetup repair (crash recovery before resuming) failed (exit %d)\n",
				rc);
	}
	j->prog.what = "encrypting";
	if (rc == 0)
		rc = run_tool(PROG, st == ST_PENDING ? resume : enc, dir, j->key, j->key_len, &j->prog);
	if (rc == 0)
		return 0;
	/* Whether there is anything to resume is in the header, not in how it ended. */
	uint8_t head[DISK_PROBE_LEN];
	size_t got = 0;
	int started = read_at(abs, 0, head, sizeof head, &got) == 0 && disk_luks_reencrypt_pending(head, got);
	if (rc > 128)
		fprintf(stderr, PROG ": cryptsetup was killed by signal %d\n", rc - 128);
	else
		fprintf(stderr, PROG ": cryptsetup reencrypt failed (exit %d)%s\n", rc,
			st == ST_PENDING ? " (is it the same key?)" : "");
	fprintf(stderr, PROG ": %s\n",
		started ? "the encryption is under way: run the same command again to resume it"
			: "no encryption was started (the header shows none)");
	return -1;
}

/* cryptsetup leaves LUKS2-temp-<UUID>.new (its header before it moved the
 * data) beside the image when the encryption was interrupted; named by the
 * new header's UUID, so it is surely ours. */
static void remove_cryptsetup_temp(const char *target, const char *uuid)
{
	char abs[PATH_MAX], tmp[PATH_MAX + 64];
	if (strlen(uuid) != 36 || strspn(uuid, "0123456789abcdef-") != 36 || !realpath(target, abs))
		return; /* a header's text is not a path to trust */
	*strrchr(abs, '/') = '\0';
	snprintf(tmp, sizeof tmp, "%s/LUKS2-temp-%s.new", abs, uuid);
	unlink(tmp);
}

/* The encrypted partition's bytes back into the disk, every byte (old
 * plaintext must not survive), then the work file goes. */
static int copy_back(struct job *j, const char *disk)
{
	int in = open(j->part_work, O_RDONLY | O_CLOEXEC);
	int out = open(disk, O_WRONLY | O_CLOEXEC);
	int rc = -1;
	if (in < 0 || out < 0) {
		fprintf(stderr, PROG ": %s: %s\n", in < 0 ? j->part_work : disk, strerror(errno));
	} else {
		j->prog.what = "writing back";
		rc = copy_range(PROG, in, 0, out, j->part.offset, j->part.length, 0, &j->prog);
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		rc = -1;
	if (rc == 0)
		unlink(j->part_work);
	return rc;
}

static int get_key(struct job *j, int resuming, enum state st)
{
	int rc;
	const char *gen = j->o.gen_key;
	if (j->o.key_file) {
		rc = encrypt_key_load(PROG, j->o.key_file, j->key, &j->key_len);
	} else if (!gen) {
		rc = -1;
	} else if (resuming && exists(gen)) {
		rc = encrypt_key_load(PROG, gen, j->key, &j->key_len);
	} else if (st == ST_PENDING) {
		fprintf(stderr, PROG ": %s is gone: the interrupted encryption needs the key it started with\n", gen);
		rc = -1;
	} else {
		rc = encrypt_key_generate(PROG, gen, j->key, &j->key_len);
	}
	j->have_key = rc == 0;
	return rc;
}

static void print_result(const struct job *j)
{
	printf("LUKS UUID: %s\n", j->luks_uuid);
	if (j->o.partition)
		printf("PARTUUID: %s (%s partition %u)\n", j->part.partuuid, j->part.table, j->o.partition);
	printf("boot.toml: [root] device = \"UUID=%s\"\n", j->luks_uuid);
	if (j->o.partition && strcmp(j->part.table, "gpt") == 0)
		printf("  or       [root] device = \"PARTUUID=%s\"\n", j->part.partuuid);
	printf("image: %s (%s)\n", j->output, j->out_qcow2 ? "qcow2" : "raw");
	printf("boot.toml: the disk pin, for the [root] table (snpboot disk-pin prints it again):\n%s", j->pin);
}

static int run(struct job *j)
{
	const struct encrypt_opts *o = &j->o;
	struct stat in_st, out_st;
	if (stat(o->input, &in_st) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->input, strerror(errno));
		return EXIT_INPUT;
	}
	if (!S_ISREG(in_st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a regular file (encrypt an image file, not a device)\n", o->input);
		return EXIT_INPUT;
	}
	j->output = o->output ? o->output : o->input;
	int inplace = !o->output || (stat(o->output, &out_st) == 0 && out_st.st_dev == in_st.st_dev &&
				     out_st.st_ino == in_st.st_ino);
	j->in_qcow2 = is_qcow2(o->input);
	j->out_qcow2 = o->out_format == ENCRYPT_FMT_AUTO ? j->in_qcow2 : o->out_format == ENCRYPT_FMT_QCOW2;
	j->need_copy = !inplace || j->in_qcow2 || j->out_qcow2;
	char suffix[32];
	snprintf(suffix, sizeof suffix, ".snpboot-part%u", o->partition);
	if (name_with(j->work, j->output, ".snpboot-work") != 0 || name_with(j->part_work, j->output, suffix) != 0)
		return EXIT_USAGE;
	if (lock_output_dir(j->output) < 0)
		return EXIT_FAILED;
	if (find_tool("cryptsetup", o->cryptsetup, "apt-get install cryptsetup-bin, or --cryptsetup PATH",
		      j->cryptsetup) != 0 ||
	    ((j->in_qcow2 || j->out_qcow2) &&
	     find_tool("qemu-img", o->qemu_img, "qcow2 needs it: apt-get install qemu-utils", j->qemu_img) != 0))
		return EXIT_TOOL;
	const char *disk = j->need_copy ? j->work : o->input;
	int disk_existed = j->need_copy && exists(j->work);
	int part_existed = o->partition && exists(j->part_work);
	int resuming = disk_existed || part_existed, rc, created = 0;
	enum state st = ST_PLAIN;
	if (!resuming && !j->need_copy) {
		if ((rc = classify(j, disk, ROOM_LATER, &st)) != EXIT_OK)
			return rc;
		if (st == ST_DONE)
			goto already;
		resuming = st == ST_PENDING;
	}
	if (!resuming && !inplace && exists(j->output)) {
		fprintf(stderr, PROG ": %s exists; it is never overwritten (remove it, or encrypt in place)\n",
			j->output);
		return EXIT_INPUT;
	}
	if (!resuming && o->gen_key && exists(o->gen_key)) {
		fprintf(stderr, PROG ": --generate-key %s: the file exists and is never overwritten (use --key-file "
				"to encrypt with it)\n",
			o->gen_key);
		return EXIT_INPUT;
	}
	if (o->key_file && get_key(j, resuming, st) != 0)
		return EXIT_INPUT;

	/* 1. the raw disk we work on */
	if (j->need_copy && !disk_existed) {
		if (!j->in_qcow2) { /* refuse before copying what cannot be encrypted */
			if ((rc = classify(j, o->input, ROOM_LATER, &st)) != EXIT_OK)
				return rc;
			if (st != ST_PLAIN)
				goto already;
		}
		if (j->in_qcow2 ? convert(j, o->input, j->work, "raw", "converting qcow2")
				: copy_out(j, o->input, 0, (uint64_t)in_st.st_size, j->work, "copying"))
			return EXIT_FAILED;
		created = 1;
	}

	/* 2. the filesystem's range, encrypted (through a copy for a partition) */
	const char *target = disk;
	if (!part_existed) {
		if ((rc = classify(j, disk, ROOM_GROW, &st)) != EXIT_OK)
			goto fail;
		if (st == ST_DONE && !disk_existed)
			goto already;
		if (st == ST_PENDING && o->partition) {
			fprintf(stderr, PROG ": %s: partition %u holds an unfinished LUKS2 reencryption this tool did "
					"not start (resume it with cryptsetup)\n",
				o->input, o->partition);
			rc = EXIT_INPUT;
			goto fail;
		}
		if (st == ST_PLAIN && o->partition) {
			if (copy_out(j, disk, j->part.offset, j->part.length, j->part_work, "copying the partition") != 0) {
				rc = EXIT_FAILED;
				goto fail;
			}
			target = j->part_work;
		}
	} else {
		/* the partition's range (for the write-back and the PARTUUID), and
		 * how far its copy got */
		uint64_t len;
		if ((rc = find_range(j, disk)) != EXIT_OK)
			return rc;
		if (file_size(j->part_work, &len) != 0 || len != j->part.length) {
			fprintf(stderr, PROG ": %s does not match partition %u of %s; remove it to start over\n",
				j->part_work, o->partition, disk);
			return EXIT_INPUT;
		}
		if ((rc = classify_file(j, j->part_work, &st)) != EXIT_OK)
			return rc;
		target = j->part_work;
	}
	if (st != ST_DONE) {
		if (!j->have_key && get_key(j, resuming, st) != 0) {
			rc = EXIT_INPUT;
			goto fail;
		}
		if (encrypt_file(j, target, st) != 0)
			return EXIT_FAILED;
		enum state now;
		if (classify_file(j, target, &now) != EXIT_OK || now != ST_DONE) {
			fprintf(stderr, PROG ": %s: cryptsetup finished but the header is not a complete LUKS2\n", target);
			return EXIT_FAILED;
		}
		remove_cryptsetup_temp(target, j->luks_uuid);
	}
	char pin_err[256];
	if (disk_pin_toml_of_file(target, 0, j->pin, sizeof j->pin, pin_err, sizeof pin_err) != 0)
		snprintf(j->pin, sizeof j->pin, "# none: %s\n", pin_err); /* cryptsetup wrote what the first stage refuses */
	if (target == j->part_work && copy_back(j, disk) != 0)
		return EXIT_FAILED;

	/* 3. the output in its format */
	if (j->out_qcow2) {
		if (convert(j, j->work, j->output, "qcow2", "writing qcow2") != 0)
			return EXIT_FAILED;
		unlink(j->work);
	} else if (j->need_copy && rename(j->work, j->output) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", j->output, strerror(errno));
		return EXIT_FAILED;
	}
	print_result(j);
	return EXIT_OK;

already:
	fprintf(stderr, PROG ": %s is already LUKS (UUID %s)%s; nothing to do\n", o->input, j->luks_uuid,
		st == ST_PENDING ? ", with an unfinished reencryption (resume it in place)" : "");
	rc = EXIT_INPUT;
fail:
	if (created)
		unlink(j->work);
	return rc;
}

int cmd_encrypt_disk(int argc, char **argv)
{
	static struct job j;
	memset(&j, 0, sizeof j);
	char err[160];
	int prc = encrypt_opts_parse(argc, argv, &j.o, err, sizeof err);
	if (prc == ENCRYPT_OPTS_HELP) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (prc != ENCRYPT_OPTS_OK) {
		fprintf(stderr, PROG ": %s\n", err);
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	/* Every file this command and its children (qemu-img's plaintext work
	 * copy, cryptsetup's header and state) create is the owner's alone:
	 * plaintext and key material must not inherit a permissive umask. */
	umask(077);
	progress_init(&j.prog, j.o.progress || isatty(2), "");
	int rc = run(&j);
	secure_wipe(j.key, sizeof j.key);
	return rc;
}
