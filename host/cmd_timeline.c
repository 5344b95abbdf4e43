/* snpboot timeline: the first stage's boot timeline, read from console
 * logs, as a table and as an SVG chart with one bar row per log, so boots
 * can be compared at a glance (`make timeline`). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline/boot_timeline.h"
#include "commands.h"
#include "cli/file_io.h"

#define PROG "snpboot timeline"
#define LOG_MAX (64u * 1024 * 1024) /* console logs of a verbose boot stay far below */
#define LOGS_MAX 32

static const char usage_text[] =
	"usage: snpboot timeline [--svg OUT.svg] LOG...\n"
	"\n"
	"Reads the lines the first stage prints on its console before switch_root (or a\n"
	"failure action),\n"
	"  snpboot: timeline: PHASE start=N ms took=N ms wait=N ms ok|failed\n"
	"  snpboot: timeline: total work=N ms at=N ms peak_rss=N KiB (children N KiB)\n"
	"from each console LOG (at most 32; the last complete timeline of a log counts) and\n"
	"prints one line per log with each phase's milliseconds.\n"
	"\n"
	"  --svg OUT.svg   also write a chart: one bar row per log on a common time axis\n"
	"                  (ms since the kernel started), phases coloured and labelled with\n"
	"                  their ms, the owner's wait hatched, failed phases outlined in red\n"
	"                  ('-': the chart on stdout instead of the table)\n"
	"\n"
	"Exit: 0 ok, 1 writing the chart failed, 2 usage, 3 a log is unreadable or has no\n"
	"(or a malformed) timeline.\n";

static void print_table(FILE *out, const struct boot_timeline *t, const char *label)
{
	fprintf(out, "%s: work %llu ms, done at %llu ms", label, (unsigned long long)t->work_ms,
		(unsigned long long)t->at_ms);
	if (t->has_rss && t->peak_rss_kib >= 0)
		fprintf(out, ", peak RSS %lld KiB", t->peak_rss_kib);
	fputs("\n  ", out);
	boot_timeline_print_phases(out, t, ", ");
	fputc('\n', out);
}

/* The chart goes through memory so OUT appears whole or not at all. */
static int write_svg(const char *path, const struct boot_timeline *const *t, const char *const *labels, size_t n)
{
	if (strcmp(path, "-") == 0)
		return boot_timeline_svg(stdout, t, labels, n) == 0 && fflush(stdout) == 0 ? 0 : -1;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		perror(PROG ": open_memstream");
		return -1;
	}
	int rc = boot_timeline_svg(mem, t, labels, n);
	if (fclose(mem) != 0)
		rc = -1;
	if (rc == 0)
		rc = file_write_all(PROG, path, buf, len, 0644);
	else
		fprintf(stderr, PROG ": cannot render the chart\n");
	free(buf);
	return rc;
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option opts[] = {{"svg", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *svg = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': svg = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	size_t n = (size_t)(argc - optind);
	if (n == 0 || n > LOGS_MAX) {
		fprintf(stderr, PROG ": give 1 to %d console logs (see --help)\n", LOGS_MAX);
		return EXIT_USAGE;
	}
	static struct boot_timeline tl[LOGS_MAX];
	const struct boot_timeline *rows[LOGS_MAX];
	const char *labels[LOGS_MAX];
	for (size_t i = 0; i < n; i++) {
		const char *path = argv[optind + (int)i];
		size_t len;
		char *text = file_read_all(PROG, path, LOG_MAX, &len), err[256];
		if (!text)
			return EXIT_INPUT;
		int rc = boot_timeline_parse(&tl[i], text, len, err, sizeof err);
		free(text);
		if (rc != 0) {
			fprintf(stderr, PROG ": %s: %s\n", path, err);
			return EXIT_INPUT;
		}
		rows[i] = &tl[i];
		labels[i] = path;
	}
	if (!svg || strcmp(svg, "-") != 0)
		for (size_t i = 0; i < n; i++)
			print_table(stdout, rows[i], labels[i]);
	if (svg && write_svg(svg, rows, labels, n) != 0)
		return EXIT_FAILURE_GENERIC;
	if (svg && strcmp(svg, "-") != 0)
		fprintf(stderr, PROG ": wrote %s (%zu row%s)\n", svg, n, n == 1 ? "" : "s");
	return EXIT_OK;
}
