/* snpboot report: show an SNP attestation report, or verify it against the
 * AMD certificate chain and expected values (cmd_report_verify.c). */
#include "cmd_report.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_opt.h"
#include "commands.h"
#include "cli/file_io.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: snpboot report show FILE [--json] [--product milan|genoa|turin]\n"
		"       snpboot report verify FILE (--certs DIR | --cert-table FILE) [options]\n"
		"       snpboot report show|verify --help\n"
		"\n"
		"FILE is a raw 1184-byte SEV-SNP attestation report (configfs-tsm outblob,\n"
		"or the report of SNP_GET_REPORT).\n"
		"\n"
		"Exit status: 0 ok, 1 refused, 2 usage, 3 unreadable or malformed input.\n");
}

static void show_usage(FILE *out)
{
	fprintf(out,
		"usage: snpboot report show FILE [--json] [--product milan|genoa|turin]\n"
		"\n"
		"Prints every field of the report: policy, platform info and TCB versions\n"
		"decoded, byte arrays in hex. Nothing is verified: the values are whatever\n"
		"the file says (use `snpboot report verify` for that). Unsigned reports\n"
		"(SIGNING_KEY none) are shown too.\n"
		"\n"
		"  --json       one JSON object with every field instead of text\n"
		"  --product P  processor generation for the TCB byte layout; by default the\n"
		"               report's CPUID (version 3+), else the Milan/Genoa layout\n"
		"\n"
		"Exit status: 0 shown, 2 usage, 3 unreadable or malformed report.\n");
}


int report_parse_product(const char *s, enum snp_product *p)
{
	if (snp_product_parse(s, p) != 0 || strchr(s, '-')) {
		fprintf(stderr, REPORT_PROG ": --product must be milan, genoa or turin, not '%s'\n", s);
		return -1;
	}
	return 0;
}

void report_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

int cmd_report_show(int argc, char **argv)
{
	const char *file = NULL, *product_arg = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			show_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if ((v = cli_opt_value(argc, argv, &i, "--product", &missing)) || missing) {
			if (missing) {
				fprintf(stderr, REPORT_PROG " show: --product needs a value\n");
				return EXIT_USAGE;
			}
			product_arg = v;
		} else if (argv[i] && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, REPORT_PROG " show: unknown option '%s' (see --help)\n", argv[i]);
			return EXIT_USAGE;
		} else if (file) {
			fprintf(stderr, REPORT_PROG " show: one report file only ('%s' and '%s')\n", file, argv[i]);
			return EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	enum snp_product product = SNP_PRODUCT_UNKNOWN;
	if (product_arg && report_parse_product(product_arg, &product))
		return EXIT_USAGE;

	size_t len;
	char *buf = file_read_all(REPORT_PROG " show", file, REPORT_FILE_MAX, &len);
	if (!buf)
		return EXIT_INPUT;
	static struct snp_report r;
	char err[256];
	int rc = snp_report_parse(&r, (const uint8_t *)buf, len, product, SNP_PARSE_ALLOW_UNSIGNED, err, sizeof err);
	free(buf);
	if (rc) {
		fprintf(stderr, REPORT_PROG " show: %s: %s\n", file, err);
		return EXIT_INPUT;
	}
	if (json)
		snp_report_print_json(stdout, &r);
	else
		snp_report_print(stdout, &r);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

int cmd_report(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "show") == 0)
		return cmd_report_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_report_verify(argc - 1, argv + 1);
	fprintf(stderr, REPORT_PROG ": unknown subcommand '%s' (show or verify)\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
