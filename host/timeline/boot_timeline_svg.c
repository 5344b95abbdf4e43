/* The boot timeline chart (boot_timeline.h): one bar row per log, so boots
 * can be compared at a glance. Plain SVG 1.1, no script, no external
 * resources: any browser or rsvg-convert shows it. */
#include <string.h>

#include "boot_timeline.h"

#define WIDTH 1100
#define LEFT 262      /* row labels and totals */
#define RIGHT 30
#define CHART (WIDTH - LEFT - RIGHT)
#define TOP 86        /* title and legend above */
#define ROW 64
#define BAR 24

/* Fixed colours for the first stage's phases, so charts compare. */
static const char *phase_colour(const char *name)
{
	static const struct {
		const char *name, *colour;
	} known[] = {{"mounts", "#4e79a7"},  {"config", "#f28e2b"},  {"modules", "#76b7b2"},
		     {"network", "#59a14f"}, {"rootdev", "#edc948"}, {"unlock", "#b07aa1"},
		     {"switch_root", "#ff9da7"}};
	static const char *const spare[] = {"#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8", "#8cd17d", "#a0cbe8"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(name, known[i].name) == 0)
			return known[i].colour;
	unsigned h = 0;
	for (const char *p = name; *p; p++)
		h = h * 31 + (unsigned char)*p;
	return spare[h % (sizeof spare / sizeof spare[0])];
}

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
		}
	}
}

/* A tick step of 1, 2 or 5 times a power of ten giving at most 12 ticks. */
static uint64_t tick_step(uint64_t max_ms)
{
	uint64_t step = 1;
	for (;;) {
		static const unsigned mult[] = {1, 2, 5};
		for (size_t i = 0; i < 3; i++)
			if (max_ms / (step * mult[i]) <= 12)
				return step * mult[i];
		step *= 10;
	}
}

static double xpos(uint64_t ms, uint64_t max_ms)
{
	return LEFT + (double)ms * CHART / (double)max_ms;
}

/* Label inside a segment if it fits (about 6.5 px a character at 11 px). */
static void segment_label(FILE *out, double x, double w, double y, const char *name, uint64_t took, int ok)
{
	char text[64];
	snprintf(text, sizeof text, "%s %llu ms%s", name, (unsigned long long)took, ok ? "" : " failed");
	if (strlen(text) * 6.5 + 6 > w) {
		snprintf(text, sizeof text, "%llu", (unsigned long long)took);
		if (strlen(text) * 6.5 + 4 > w)
			return;
	}
	fprintf(out, "<text class=\"phase-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">", x + w / 2,
		y + BAR / 2.0 + 4);
	xml_text(out, text);
	fputs("</text>\n", out);
}

static void row(FILE *out, const struct boot_timeline *t, const char *label, size_t i, uint64_t max_ms)
{
	double y = TOP + (double)i * ROW;
	fprintf(out, "<g class=\"row\" id=\"row-%zu\">\n<title>", i);
	xml_text(out, label);
	fputs("</title>\n", out);
	/* The log's name, its tail if it is long: the file name matters most. */
	size_t len = strlen(label);
	fprintf(out, "<text class=\"row-label\" x=\"8\" y=\"%.1f\" font-size=\"12\">%s", y + 16, len > 34 ? "..." : "");
	xml_text(out, len > 34 ? label + len - 31 : label);
	fprintf(out, "</text>\n<text class=\"row-total\" x=\"8\" y=\"%.1f\" font-size=\"10\" fill=\"#555\">"
		     "work %llu ms, done at %llu ms",
		y + 31, (unsigned long long)t->work_ms, (unsigned long long)t->at_ms);
	if (t->has_rss && t->peak_rss_kib >= 0)
		fprintf(out, ", RSS %lld KiB", t->peak_rss_kib);
	fputs("</text>\n", out);

	double bar_y = y + 4;
	if (t->n_phases && t->phases[0].start_ms > 0) {
		double w = xpos(t->phases[0].start_ms, max_ms) - LEFT;
		fprintf(out, "<rect class=\"before-init\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#e6e6e6\"/>\n",
			LEFT, bar_y, w, BAR);
		if (w > 90)
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" fill=\"#777\">"
				     "before /init</text>\n",
				LEFT + w / 2, bar_y + BAR / 2.0 + 4);
	}
	for (size_t k = 0; k < t->n_phases; k++) {
		const struct boot_phase *p = &t->phases[k];
		double x = xpos(p->start_ms, max_ms), w = xpos(p->start_ms + p->took_ms, max_ms) - x;
		if (w < 1)
			w = 1; /* a 0 ms phase still shows */
		fprintf(out, "<rect class=\"phase\" data-phase=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
			     "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"><title>%s: start %llu ms, took %llu ms, owner "
			     "wait %llu ms, %s</title></rect>\n",
			p->name, x, bar_y, w, BAR, phase_colour(p->name), p->ok ? "#ffffff" : "#d62728",
			p->ok ? "0.5" : "2", p->name, (unsigned long long)p->start_ms, (unsigned long long)p->took_ms,
			(unsigned long long)p->wait_ms, p->ok ? "ok" : "failed");
		/* Where inside the phase the wait fell is not recorded: drawn first. */
		if (p->wait_ms)
			fprintf(out, "<rect class=\"owner-wait\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
				     "fill=\"url(#wait)\" stroke=\"#333\" stroke-width=\"0.5\"/>\n",
				x, bar_y, xpos(p->start_ms + p->wait_ms, max_ms) - x, BAR);
		segment_label(out, x, w, bar_y, p->name, p->took_ms, p->ok);
	}
	/* Every phase with its ms under the bar: small ones have no room inside. */
	fprintf(out, "<text class=\"phase-list\" x=\"%d\" y=\"%.1f\" font-size=\"10\" fill=\"#333\">", LEFT,
		bar_y + BAR + 14);
	boot_timeline_print_phases(out, t, " \xc2\xb7 ");
	fputs("</text>\n</g>\n", out);
}

static void legend(FILE *out, const struct boot_timeline *const *t, size_t n)
{
	const char *seen[BOOT_TIMELINE_MAX_PHASES * 2];
	size_t n_seen = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < t[i]->n_phases; k++) {
			int dup = 0;
			for (size_t j = 0; j < n_seen && !dup; j++)
				dup = strcmp(seen[j], t[i]->phases[k].name) == 0;
			if (!dup && n_seen < sizeof seen / sizeof seen[0])
				seen[n_seen++] = t[i]->phases[k].name;
		}
	double x = LEFT;
	fputs("<g class=\"legend\" font-size=\"11\">\n", out);
	for (size_t j = 0; j < n_seen && x < WIDTH - 100; j++) {
		fprintf(out, "<rect x=\"%.1f\" y=\"44\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			     "<text x=\"%.1f\" y=\"54\">%s</text>\n",
			x, phase_colour(seen[j]), x + 16, seen[j]);
		x += 16 + strlen(seen[j]) * 6.5 + 14;
	}
	fprintf(out, "<rect x=\"%d\" y=\"64\" width=\"12\" height=\"12\" fill=\"url(#wait)\" stroke=\"#333\" "
		     "stroke-width=\"0.5\"/><text x=\"%d\" y=\"74\">owner wait (not our work)</text>\n"
		     "<rect x=\"%d\" y=\"64\" width=\"12\" height=\"12\" fill=\"#ffffff\" stroke=\"#d62728\" "
		     "stroke-width=\"2\"/><text x=\"%d\" y=\"74\">failed phase</text>\n"
		     "<rect x=\"%d\" y=\"64\" width=\"12\" height=\"12\" fill=\"#e6e6e6\"/>"
		     "<text x=\"%d\" y=\"74\">firmware and kernel, before /init</text>\n</g>\n",
		LEFT, LEFT + 16, LEFT + 200, LEFT + 216, LEFT + 320, LEFT + 336);
}

int boot_timeline_svg(FILE *out, const struct boot_timeline *const *t, const char *const *labels, size_t n)
{
	uint64_t max_ms = 1;
	for (size_t i = 0; i < n; i++)
		if (boot_timeline_end(t[i]) > max_ms)
			max_ms = boot_timeline_end(t[i]);
	uint64_t step = tick_step(max_ms);
	max_ms = (max_ms + step - 1) / step * step;
	int axis_y = TOP + (int)n * ROW + 4, height = axis_y + 48;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
		     "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
		     "<defs><pattern id=\"wait\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		     "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\" "
		     "fill-opacity=\"0.55\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#333\" "
		     "stroke-width=\"2\"/></pattern></defs>\n"
		     "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		     "<text class=\"title\" x=\"8\" y=\"24\" font-size=\"16\" font-weight=\"bold\">snpboot first-stage "
		     "boot timeline</text>\n",
		WIDTH, height, WIDTH, height);
	legend(out, t, n);
	/* Grid and axis first, so the bars are drawn over the grid. */
	fputs("<g class=\"axis\" font-size=\"10\" fill=\"#555\">\n", out);
	for (uint64_t ms = 0; ms <= max_ms; ms += step) {
		double x = xpos(ms, max_ms);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dddddd\"/>"
			     "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%llu</text>\n",
			x, TOP - 4, x, axis_y + 4, x, axis_y + 18, (unsigned long long)ms);
	}
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>\n"
		     "<text class=\"axis-title\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">ms since the kernel "
		     "started (CLOCK_BOOTTIME)</text>\n</g>\n",
		LEFT, axis_y + 4, LEFT + CHART, axis_y + 4, LEFT + CHART / 2, axis_y + 36);
	for (size_t i = 0; i < n; i++)
		row(out, t[i], labels[i], i, max_ms);
	fputs("</svg>\n", out);
	return ferror(out) ? -1 : 0;
}
