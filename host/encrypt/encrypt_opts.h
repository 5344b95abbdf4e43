/* The command line of `snpboot encrypt-disk`, parsed and checked apart from
 * the work so the checks are unit-tested. */
#ifndef SNPBOOT_HOST_ENCRYPT_OPTS_H
#define SNPBOOT_HOST_ENCRYPT_OPTS_H

#include <stddef.h>

enum encrypt_format { ENCRYPT_FMT_AUTO = 0, ENCRYPT_FMT_RAW, ENCRYPT_FMT_QCOW2 };

struct encrypt_opts {
	const char *input, *output;      /* output NULL: in place */
	const char *key_file, *gen_key;  /* exactly one */
	const char *cryptsetup, *qemu_img; /* NULL: looked up */
	unsigned partition;              /* 0: the whole image is the filesystem */
	enum encrypt_format out_format;  /* AUTO: as the input */
	int progress;                    /* --progress: even when stderr is not a terminal */
};

enum { ENCRYPT_OPTS_OK = 0, ENCRYPT_OPTS_HELP = 1, ENCRYPT_OPTS_USAGE = -1 };

/* Parses argv (argv[0] the command name) with getopt_long. ENCRYPT_OPTS_*;
 * on USAGE, err says what is wrong. */
int encrypt_opts_parse(int argc, char **argv, struct encrypt_opts *o, char *err, size_t err_len);

#endif
