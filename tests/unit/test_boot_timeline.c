/* The boot timeline read back from console logs (host/boot_timeline.c) and
 * drawn (host/boot_timeline_svg.c): the lines init/timeline.c prints, CR/LF
 * consoles, kernel-stamped /dev/kmsg copies, several boots in one log, and
 * every malformed case refused with the line it is on. */
#include "../tap.h"
#include "timeline/boot_timeline.h"

static const char demo[] =
	"snpboot: first stage starting (pid 1, key source: attested channel)\r\n"
	"snpboot: timeline: mounts     start=2159 ms took=12 ms wait=0 ms ok\r\n"
	"snpboot: timeline: config     start=2175 ms took=6 ms wait=0 ms ok\r\n"
	"snpboot: timeline: modules    start=2181 ms took=424 ms wait=0 ms ok\r\n"
	"snpboot: timeline: network    start=2606 ms took=816 ms wait=0 ms ok\r\n"
	"snpboot: timeline: rootdev    start=3422 ms took=1 ms wait=0 ms ok\r\n"
	"snpboot: timeline: unlock     start=3423 ms took=3630 ms wait=2616 ms ok\r\n"
	"snpboot: timeline: switch_root start=7054 ms took=0 ms wait=0 ms ok\r\n"
	"snpboot: timeline: total      work=2273 ms at=7060 ms peak_rss=432 KiB (children 1328 KiB)\r\n"
	"second-stage: hello\r\n";

static int parse(struct boot_timeline *t, const char *text, char *err, size_t len)
{
	err[0] = '\0';
	return boot_timeline_parse(t, text, strlen(text), err, len);
}

static void test_demo(void)
{
	static struct boot_timeline t;
	char err[256];
	ok(parse(&t, demo, err, sizeof err) == 0, "the demo's console log parses (%s)", err);
	is_int(t.n_phases, 7, "  seven phases");
	is_int(t.timelines, 1, "  one timeline");
	is_str(t.phases[0].name, "mounts", "  first phase mounts");
	is_str(t.phases[6].name, "switch_root", "  last phase switch_root (name as long as the column)");
	ok(t.phases[5].start_ms == 3423 && t.phases[5].took_ms == 3630 && t.phases[5].wait_ms == 2616 &&
		   t.phases[5].ok,
	   "  unlock: start, took, owner wait, ok");
	ok(t.work_ms == 2273 && t.at_ms == 7060 && t.has_rss && t.peak_rss_kib == 432 && t.children_kib == 1328,
	   "  total: work, at, peak RSS, children");
	is_int(boot_timeline_end(&t), 7060, "  ends at the total line's time");
}

static void test_variants(void)
{
	static struct boot_timeline t;
	char err[256];
	/* A failed phase, the total without RSS, -1 for an unknown RSS. */
	ok(parse(&t,
		 "snpboot: timeline: mounts start=5 ms took=5 ms wait=0 ms ok\n"
		 "snpboot: timeline: config start=10 ms took=12 ms wait=0 ms failed\n"
		 "snpboot: timeline: total work=17 ms at=20 ms peak_rss=-1 KiB (children -1 KiB)",
		 err, sizeof err) == 0 &&
		   t.n_phases == 2 && !t.phases[1].ok && t.has_rss && t.peak_rss_kib == -1,
	   "a failed phase, RSS unknown, no final newline (%s)", err);
	ok(parse(&t,
		 "snpboot: timeline: mounts start=5 ms took=50 ms wait=0 ms ok\n"
		 "snpboot: timeline: total work=50 ms at=20 ms\n",
		 err, sizeof err) == 0 &&
		   !t.has_rss && boot_timeline_end(&t) == 55,
	   "total without RSS; the end is the last phase's end when later (%s)", err);

	/* Two boots (retry, reboot): the last complete one counts. */
	ok(parse(&t,
		 "snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		 "snpboot: timeline: unlock start=6 ms took=100 ms wait=0 ms failed\n"
		 "snpboot: timeline: total work=101 ms at=110 ms\n"
		 "reboot: Restarting system\n"
		 "snpboot: timeline: mounts start=4 ms took=2 ms wait=0 ms ok\n"
		 "snpboot: timeline: total work=2 ms at=9 ms\n",
		 err, sizeof err) == 0 &&
		   t.timelines == 2 && t.n_phases == 1 && t.phases[0].start_ms == 4 && t.at_ms == 9,
	   "two boots in one log: the last timeline (%s)", err);

	/* loglevel=7: the kernel echoes /dev/kmsg with a time stamp; the
	 * guest's own lines win, the copies are not counted twice. */
	ok(parse(&t,
		 "snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		 "[    0.010000] snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		 "snpboot: timeline: total work=1 ms at=9 ms\n"
		 "[    0.011000] snpboot: timeline: total work=1 ms at=9 ms\n",
		 err, sizeof err) == 0 &&
		   t.n_phases == 1 && t.timelines == 1,
	   "kernel-stamped copies beside the console lines: counted once (%s)", err);
	/* A console line written into the middle of kernel output still counts. */
	ok(parse(&t,
		 "snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		 "[    0.010000] random: crng init donesnpboot: timeline: config start=6 ms took=1 ms wait=0 ms ok\n"
		 "[    0.010000] snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		 "snpboot: timeline: total work=2 ms at=9 ms\n",
		 err, sizeof err) == 0 &&
		   t.n_phases == 2 && strcmp(t.phases[1].name, "config") == 0,
	   "a console line after kernel output on the same line: read (%s)", err);
	/* Only the stamped copies (console output lost): they are read. */
	ok(parse(&t,
		 "[    0.010000] snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		 "[    0.011000] snpboot: timeline: total work=1 ms at=9 ms\n",
		 err, sizeof err) == 0 &&
		   t.n_phases == 1,
	   "only kernel-stamped lines: read (%s)", err);
}

static void expect_error(const char *text, const char *want, const char *what)
{
	static struct boot_timeline t;
	char err[256];
	int rc = parse(&t, text, err, sizeof err);
	ok(rc == -1 && strstr(err, want), "%s: refused", what);
	if (rc != -1 || !strstr(err, want))
		diag("got rc %d, '%s'; want '%s'", rc, err, want);
}

static void test_errors(void)
{
	expect_error("", "no 'snpboot: timeline: ' lines", "empty log");
	expect_error("Linux version 6.12\nKernel panic - not syncing\n", "no 'snpboot: timeline: ' lines",
		     "a log without timeline lines");
	expect_error("x\nsnpboot: timeline: mounts start=5 ms took=1 ms ok\n", "line 2: malformed timeline line",
		     "a phase without wait=");
	expect_error("snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms maybe\n", "line 1: malformed",
		     "neither ok nor failed");
	expect_error("snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok extra\n", "line 1: malformed",
		     "trailing words");
	expect_error("snpboot: timeline: Mounts! start=5 ms took=1 ms wait=0 ms ok\n", "line 1: malformed",
		     "a phase name with odd characters");
	expect_error("snpboot: timeline: mounts start=1234567890123456 ms took=1 ms wait=0 ms ok\n",
		     "line 1: malformed", "a number of 16 digits");
	expect_error("snpboot: timeline: mounts start=-5 ms took=1 ms wait=0 ms ok\n", "line 1: malformed",
		     "a negative start");
	expect_error("snpboot: timeline: unlock start=5 ms took=10 ms wait=11 ms ok\n", "waited 11 ms but took only 10",
		     "a wait longer than the phase");
	expect_error("snpboot: timeline: total work=1 ms at=9 ms\n", "line 1: a 'total' line without phase lines",
		     "a total without phases");
	expect_error("snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n"
		     "snpboot: timeline: total work=1 ms at=x ms\n",
		     "line 2: malformed timeline total", "a malformed total");
	expect_error("snpboot: timeline: mounts start=5 ms took=1 ms wait=0 ms ok\n", "no 'total' line after them",
		     "a log cut after the phases");
	char many[64 * (BOOT_TIMELINE_MAX_PHASES + 2)] = "";
	for (int i = 0; i <= BOOT_TIMELINE_MAX_PHASES; i++)
		strcat(many, "snpboot: timeline: p start=1 ms took=1 ms wait=0 ms ok\n");
	expect_error(many, "more than 32 timeline phases", "too many phases");
}

static char *render(const struct boot_timeline *const *rows, const char *const *labels, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *mem = open_memstream(&buf, len);
	if (!mem)
		return NULL;
	int rc = boot_timeline_svg(mem, rows, labels, n);
	fclose(mem);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void test_svg(void)
{
	static struct boot_timeline a, b;
	char err[256];
	ok(parse(&a, demo, err, sizeof err) == 0, "first log");
	ok(parse(&b,
		 "snpboot: timeline: mounts start=1946 ms took=5 ms wait=0 ms ok\n"
		 "snpboot: timeline: config start=1955 ms took=12 ms wait=0 ms failed\n"
		 "snpboot: timeline: total work=17 ms at=1973 ms peak_rss=292 KiB (children 0 KiB)\n",
		 err, sizeof err) == 0,
	   "second log");
	const struct boot_timeline *rows[] = {&a, &b};
	const char *labels[] = {"build/demo/console.log", "logs/<bad> & \"config\".console"};
	size_t len = 0;
	char *svg = render(rows, labels, 2, &len);
	ok(svg && len > 0, "rendered %zu bytes", len);
	if (!svg)
		return;
	ok(strncmp(svg, "<?xml version=\"1.0\"", 19) == 0 && strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"") &&
		   strcmp(svg + len - 7, "</svg>\n") == 0,
	   "an SVG document");
	is_int(count(svg, "<g class=\"row\""), 2, "one row per log");
	is_int(count(svg, "<rect class=\"phase\""), 9, "one bar segment per phase (7 + 2)");
	is_int(count(svg, "<rect class=\"owner-wait\""), 1, "the owner wait drawn on its own (unlock only)");
	ok(strstr(svg, "unlock 3630 ms (owner wait 2616 ms)") != NULL, "phases listed with their ms and wait");
	ok(strstr(svg, "config 12 ms FAILED") != NULL, "a failed phase says so");
	ok(strstr(svg, "stroke=\"#d62728\" stroke-width=\"2\"><title>config") != NULL, "and is outlined in red");
	ok(strstr(svg, "build/demo/console.log") != NULL, "row labelled with its log");
	ok(strstr(svg, "&lt;bad&gt; &amp; &quot;config&quot;") != NULL && !strstr(svg, "<bad>"),
	   "labels are XML-escaped");
	ok(strstr(svg, ">8000</text>") != NULL && strstr(svg, "ms since the kernel started") != NULL,
	   "a time axis up to 8000 ms, titled");
	ok(strstr(svg, "work 2273 ms, done at 7060 ms, RSS 432 KiB") != NULL, "totals beside each row");
	free(svg);
}

int main(void)
{
	test_demo();
	test_variants();
	test_errors();
	test_svg();
	return done_testing();
}
