/* snpboot disk-pin: the disk pin of an encrypted image, as the [root]
 * lines of boot.toml or as kernel command-line overrides, read with the
 * first stage's own header code (lib/disk), so an image the first stage
 * would refuse is refused here, with the same reason. --check-against
 * compares an image with a pin the owner already has; --volume-key-file
 * checks a volume key (cryptsetup luksDump --dump-volume-key
 * --volume-key-file) against the pinned digest. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/fd_io.h"
#include "cli/cli_opt.h"
#include "cli/file_io.h"
#include "cmd_disk_pin.h"
#include "bootcfg/bootcfg.h"
#include "commands.h"
#include "disk/disk_pin.h"
#include "disk/luks2_header.h"
#include "encrypt/disk_image.h"

#define PROG "snpboot disk-pin"
#define PIN_FILE_MAX (1024u * 1024u)

static const char usage_text[] =
	"usage: snpboot disk-pin [--partition N] [--format toml|cmdline] IMAGE\n"
	"       snpboot disk-pin [--partition N] --check-against PIN.toml [--volume-key-file F] IMAGE\n"
	"\n"
	"Prints the disk pin of a LUKS2 image: the volume-key digest and the data\n"
	"segment that the first stage checks before it uses the owner's key (the\n"
	"header) and before it mounts (the live dm-crypt table and its key). The\n"
	"header is read with the first stage's own code: an image it would refuse\n"
	"is refused here with the same reason (LUKS1, a null or ECB cipher, more\n"
	"than one segment, a reencryption in progress, ...).\n"
	"\n"
	"  --partition N         the LUKS2 header is at the start of partition N\n"
	"                        (1-based) of a GPT or MBR disk\n"
	"  --format toml         the pin_* lines for the [root] table of boot.toml\n"
	"                        (default)\n"
	"  --format cmdline      the same as kernel command-line overrides\n"
	"                        (snpboot.root.pin_cipher=aes-xts-plain64 ...)\n"
	"  --check-against FILE  compare IMAGE with the pin in FILE (boot.toml or\n"
	"                        the lines this command printed: the [root] table\n"
	"                        if there is one, else the top level); prints every\n"
	"                        difference\n"
	"  --volume-key-file F   check the volume key in F (raw bytes, e.g. from\n"
	"                        cryptsetup luksDump --dump-volume-key\n"
	"                        --volume-key-file F) against the pinned digest\n"
	"\n"
	"IMAGE is a raw image or block device; convert qcow2 first with\n"
	"qemu-img convert -O raw.\n"
	"\n"
	"Exit: 0 printed (or matches), 1 the first stage would refuse the image (or\n"
	"it does not match the pin, or the volume key does not), 2 usage, 3 an\n"
	"unreadable image, partition table or pin file.\n";

enum fmt { FMT_TOML, FMT_CMDLINE };

struct opts {
	const char *image, *check_against, *vk_file;
	unsigned partition;
	enum fmt fmt;
};

/* Reads the header at offset and vets it (hdr; pin when it can be pinned).
 * EXIT_OK, EXIT_INPUT (unreadable, message in err) or
 * EXIT_FAILURE_GENERIC (refused, reason in err). */
static int read_header(int fd, uint64_t offset, uint64_t limit, struct luks2_header *hdr, struct disk_pin *pin,
		       char *err, size_t err_len)
{
	static uint8_t buf[LUKS2_HDR_MAX];
	size_t want = limit < sizeof buf ? (size_t)limit : sizeof buf, got, need = 0;
	if (fd_pread_full(fd, buf, want, offset, &got) != 0) {
		snprintf(err, err_len, "%s", strerror(errno));
		return EXIT_INPUT;
	}
	char why[256];
	if (luks2_header_parse(buf, got, hdr, &need, why, sizeof why) != 0) {
		if (need > got) {
			snprintf(err, err_len, "%zu bytes, too short for %s", got,
				 need == LUKS2_BIN_HDR_LEN ? "a LUKS2 header" : "its LUKS2 header");
			return EXIT_INPUT;
		}
		snprintf(err, err_len, "the first stage would refuse this disk: %s", why);
		return EXIT_FAILURE_GENERIC;
	}
	if (disk_pin_from_header(hdr, pin, why, sizeof why) != 0) {
		snprintf(err, err_len, "the first stage would refuse this disk: %s", why);
		return EXIT_FAILURE_GENERIC;
	}
	return EXIT_OK;
}

int disk_pin_toml_of_file(const char *path, uint64_t offset, char *out, size_t cap, char *err, size_t err_len)
{
	static struct luks2_header hdr;
	struct disk_pin pin;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = read_header(fd, offset, UINT64_MAX, &hdr, &pin, err, err_len);
	close(fd);
	if (rc != EXIT_OK)
		return -1;
	if (disk_pin_format_toml(&pin, out, cap) < 0) {
		snprintf(err, err_len, "the pin does not fit in %zu bytes", cap);
		return -1;
	}
	return 0;
}

/* ---- a pin from TOML lines ------------------------------------------------------- */

/* The pin_* keys of [root] (or of the top level), read with the first
 * stage's own schema and rules (lib/bootcfg). 0, or -1 with err. */
static int pin_from_toml(const char *path, struct disk_pin *pin, char *err, size_t err_len)
{
	size_t len;
	char *text = file_read_all(PROG, path, PIN_FILE_MAX, &len);
	if (!text)
		return -1;
	int rc = bootcfg_load_pin(path, text, len, pin, err, err_len);
	free(text);
	return rc;
}

/* ---- the command ----------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {{"partition", required_argument, NULL, 'p'},
					     {"format", required_argument, NULL, 'f'},
					     {"check-against", required_argument, NULL, 'c'},
					     {"volume-key-file", required_argument, NULL, 'k'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	uint64_t v;
	int c;
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_u64(optarg, &v) != 0 || v == 0 || v > 128) {
				fprintf(stderr, PROG ": --partition %s: a number from 1 to 128\n", optarg);
				return EXIT_USAGE;
			}
			o->partition = (unsigned)v;
			break;
		case 'f':
			if (strcmp(optarg, "toml") == 0) {
				o->fmt = FMT_TOML;
			} else if (strcmp(optarg, "cmdline") == 0) {
				o->fmt = FMT_CMDLINE;
			} else {
				fprintf(stderr, PROG ": --format %s: toml or cmdline\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c': o->check_against = optarg; break;
		case 'k': o->vk_file = optarg; break;
		case 'h': fputs(usage_text, stdout); return -1;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, PROG ": give one IMAGE (see --help)\n");
		return EXIT_USAGE;
	}
	o->image = argv[optind];
	return EXIT_OK;
}

/* Where the header is: the whole image, or partition N. */
static int locate(int fd, const struct opts *o, uint64_t *offset, uint64_t *length)
{
	struct stat st;
	uint8_t magic[4];
	size_t got;
	if (fstat(fd, &st) != 0 || fd_pread_full(fd, magic, sizeof magic, 0, &got) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->image, strerror(errno));
		return EXIT_INPUT;
	}
	if (got == 4 && memcmp(magic, "QFI\xfb", 4) == 0) {
		fprintf(stderr, PROG ": %s: a qcow2 image; convert it first: qemu-img convert -O raw %s %s.raw\n",
			o->image, o->image, o->image);
		return EXIT_INPUT;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);
		size = end > 0 ? (uint64_t)end : 0;
	}
	*offset = 0;
	*length = size;
	if (!o->partition)
		return EXIT_OK;
	uint8_t *buf = malloc(DISK_TABLE_LEN);
	struct disk_part part;
	char err[200];
	int rc = EXIT_OK;
	if (!buf || fd_pread_full(fd, buf, DISK_TABLE_LEN, 0, &got) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->image, buf ? strerror(errno) : "out of memory");
		rc = EXIT_INPUT;
	} else if (disk_part_find(buf, got, size, o->partition, &part, err, sizeof err) != DISK_PART_OK) {
		fprintf(stderr, PROG ": %s: %s\n", o->image, err);
		rc = EXIT_INPUT;
	} else {
		*offset = part.offset;
		*length = part.length;
	}
	free(buf);
	return rc;
}

static int check_volume_key(const char *path, const struct disk_pin *pin)
{
	size_t len;
	char err[200];
	uint8_t *key = (uint8_t *)file_read_all(PROG, path, DISK_PIN_KEY_MAX, &len);
	if (!key)
		return EXIT_INPUT;
	int rc = disk_pin_check_volume_key(pin, key, len, err, sizeof err);
	secure_wipe(key, len);
	free(key);
	if (rc != 0) {
		printf("%s: %s\n", path, err);
		return EXIT_FAILURE_GENERIC;
	}
	printf("%s: the volume key matches the pinned digest\n", path);
	return EXIT_OK;
}

static int run(const struct opts *o)
{
	static struct luks2_header hdr;
	struct disk_pin pin, pinned;
	uint64_t offset, length;
	char err[1024], out[1024];
	int fd = open(o->image, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->image, strerror(errno));
		return EXIT_INPUT;
	}
	int rc = locate(fd, o, &offset, &length); /* says why itself */
	if (rc == EXIT_OK) {
		rc = read_header(fd, offset, length, &hdr, &pin, err, sizeof err);
		if (rc != EXIT_OK)
			fprintf(stderr, PROG ": %s: %s\n", o->image, err);
	}
	close(fd);
	if (rc != EXIT_OK)
		return rc;
	if (o->check_against) {
		if (pin_from_toml(o->check_against, &pinned, err, sizeof err) != 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return EXIT_INPUT;
		}
		if (disk_pin_check_header(&pinned, &hdr, err, sizeof err) != 0) {
			printf("%s does not match the pin in %s: %s\n", o->image, o->check_against, err);
			return EXIT_FAILURE_GENERIC;
		}
		printf("%s matches the pin in %s\n", o->image, o->check_against);
		return o->vk_file ? check_volume_key(o->vk_file, &pinned) : EXIT_OK;
	}
	if (o->vk_file)
		return check_volume_key(o->vk_file, &pin);
	if (o->fmt == FMT_CMDLINE) {
		disk_pin_format_cmdline(&pin, out, sizeof out);
		printf("%s\n", out);
	} else {
		disk_pin_format_toml(&pin, out, sizeof out);
		printf("# disk pin of %s (LUKS UUID %s), for the [root] table of boot.toml\n%s", o->image, hdr.uuid, out);
	}
	return EXIT_OK;
}

int cmd_disk_pin(int argc, char **argv)
{
	struct opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc < 0)
		return EXIT_OK; /* --help */
	if (rc != EXIT_OK)
		return rc;
	return run(&o);
}
