/* The first stage's boot timeline, read back from a console log: the lines
 * init/timeline.c prints before switch_root (or a failure action),
 *   snpboot: timeline: NAME start=N ms took=N ms wait=N ms ok|failed
 *   snpboot: timeline: total      work=N ms at=N ms peak_rss=N KiB (children N KiB)
 * Times are milliseconds on CLOCK_BOOTTIME (since the kernel started);
 * wait is the part of took spent waiting for the owner. A log may hold
 * several timelines (a guest that rebooted): the last complete one counts. */
#ifndef SNPBOOT_HOST_BOOT_TIMELINE_H
#define SNPBOOT_HOST_BOOT_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BOOT_TIMELINE_MAX_PHASES 32
#define BOOT_TIMELINE_NAME_MAX 24
#define BOOT_TIMELINE_MARKER "snpboot: timeline: "

struct boot_phase {
	char name[BOOT_TIMELINE_NAME_MAX];
	uint64_t start_ms, took_ms, wait_ms;
	int ok;
};

struct boot_timeline {
	size_t n_phases;
	struct boot_phase phases[BOOT_TIMELINE_MAX_PHASES];
	uint64_t work_ms, at_ms; /* from the total line */
	int has_rss;
	long long peak_rss_kib, children_kib; /* -1 when the guest could not tell */
	unsigned timelines;      /* complete timelines in the log (the last is kept) */
};

/* Parses a whole console log. Returns 0, or -1 with "line N: what" (or
 * what is missing) in err. Lines without the marker are ignored; a line
 * with it must be well formed. */
int boot_timeline_parse(struct boot_timeline *t, const char *text, size_t len, char *err, size_t err_len);

/* End of the timeline: the total line's time, or the last phase's end if later. */
uint64_t boot_timeline_end(const struct boot_timeline *t);

/* Every phase as "NAME N ms[ (owner wait N ms)][ FAILED]", sep between
 * them: the table's line and the chart's caption say the same. */
void boot_timeline_print_phases(FILE *out, const struct boot_timeline *t, const char *sep);

/* One SVG chart: a bar row per timeline (labels[i] names row i), phases
 * coloured and labelled with their ms, owner wait hatched, a time axis.
 * Returns 0, or -1 if writing failed. */
int boot_timeline_svg(FILE *out, const struct boot_timeline *const *t, const char *const *labels, size_t n);

#endif
