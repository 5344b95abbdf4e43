#include "timeline.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

struct phase_time {
	const char *name;
	uint64_t start_ms, end_ms, wait_ms;
	int ok;
};

static struct phase_time phases[TIMELINE_MAX];
static unsigned phase_count;

void timeline_begin(const char *phase)
{
	if (phase_count == TIMELINE_MAX)
		return; /* retries beyond the table are still logged, just not timed */
	phases[phase_count] = (struct phase_time){.name = phase, .start_ms = boottime_ms(), .ok = -1};
	phase_count++;
}

void timeline_note_wait(uint64_t ms)
{
	if (phase_count)
		phases[phase_count - 1].wait_ms += ms;
}

void timeline_end(int ok)
{
	if (!phase_count)
		return;
	phases[phase_count - 1].end_ms = boottime_ms();
	phases[phase_count - 1].ok = ok;
}

/* Peak resident set of this process. getrusage() reports 0 for PID 1 on the
 * kernels we boot, so read the high-water mark the kernel keeps in status. */
static long peak_rss_kib(void)
{
	char buf[2048];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *hwm = strstr(buf, "VmHWM:");
	return hwm ? strtol(hwm + 6, NULL, 10) : -1;
}

void timeline_print(void)
{
	uint64_t total_work = 0;
	for (unsigned i = 0; i < phase_count; i++) {
		const struct phase_time *p = &phases[i];
		uint64_t took = p->end_ms >= p->start_ms ? p->end_ms - p->start_ms : 0;
		uint64_t work = took >= p->wait_ms ? took - p->wait_ms : 0;
		total_work += work;
		log_notice("timeline: %-10s start=%llu ms took=%llu ms wait=%llu ms %s", p->name,
			   (unsigned long long)p->start_ms, (unsigned long long)took,
			   (unsigned long long)p->wait_ms, p->ok == 1 ? "ok" : "failed");
	}
	long peak_kib = peak_rss_kib();
	struct rusage ch;
	long child_kib = getrusage(RUSAGE_CHILDREN, &ch) == 0 ? ch.ru_maxrss : -1;
	log_notice("timeline: total      work=%llu ms at=%llu ms peak_rss=%ld KiB (children %ld KiB)",
		   (unsigned long long)total_work, (unsigned long long)boottime_ms(), peak_kib, child_kib);
}
