/* Option parsing of `snpboot encrypt-disk` (see encrypt_opts.h). */
#include "encrypt_opts.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_opt.h"

int encrypt_opts_parse(int argc, char **argv, struct encrypt_opts *o, char *err, size_t err_len)
{
	static const struct option opts[] = {{"key-file", required_argument, NULL, 'k'},
					     {"generate-key", required_argument, NULL, 'g'},
					     {"partition", required_argument, NULL, 'p'},
					     {"output-format", required_argument, NULL, 'f'},
					     {"progress", no_argument, NULL, 'P'},
					     {"cryptsetup", required_argument, NULL, 'C'},
					     {"qemu-img", required_argument, NULL, 'Q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof *o);
	err[0] = '\0';
	int c;
	uint64_t n;
	optind = 1;
	opterr = 0; /* our own message, one line */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o->key_file = optarg; break;
		case 'g': o->gen_key = optarg; break;
		case 'p':
			if (cli_parse_u64(optarg, &n) != 0 || n == 0 || n > 128) {
				snprintf(err, err_len, "--partition wants a partition number from 1 to 128, not '%s'",
					 optarg);
				return ENCRYPT_OPTS_USAGE;
			}
			o->partition = (unsigned)n;
			break;
		case 'f':
			if (strcmp(optarg, "raw") == 0) {
				o->out_format = ENCRYPT_FMT_RAW;
			} else if (strcmp(optarg, "qcow2") == 0) {
				o->out_format = ENCRYPT_FMT_QCOW2;
			} else {
				snprintf(err, err_len, "--output-format is raw or qcow2, not '%s'", optarg);
				return ENCRYPT_OPTS_USAGE;
			}
			break;
		case 'P': o->progress = 1; break;
		case 'C': o->cryptsetup = optarg; break;
		case 'Q': o->qemu_img = optarg; break;
		case 'h': return ENCRYPT_OPTS_HELP;
		default:
			snprintf(err, err_len, "unknown option or missing value: %s", argv[optind - 1]);
			return ENCRYPT_OPTS_USAGE;
		}
	}
	if (!!o->key_file + !!o->gen_key != 1) {
		snprintf(err, err_len, "need exactly one of --key-file FILE and --generate-key FILE");
		return ENCRYPT_OPTS_USAGE;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		snprintf(err, err_len, "need INPUT and optionally OUTPUT");
		return ENCRYPT_OPTS_USAGE;
	}
	o->input = argv[optind];
	o->output = argc - optind == 2 ? argv[optind + 1] : NULL;
	const char *key = o->key_file ? o->key_file : o->gen_key;
	if (!o->input[0] || (o->output && !o->output[0]) || !key[0]) {
		snprintf(err, err_len, "empty file name");
		return ENCRYPT_OPTS_USAGE;
	}
	if (strcmp(key, o->input) == 0 || (o->output && strcmp(key, o->output) == 0)) {
		snprintf(err, err_len, "the key file cannot be the image");
		return ENCRYPT_OPTS_USAGE;
	}
	return ENCRYPT_OPTS_OK;
}
