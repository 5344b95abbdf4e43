/* CPU time of a process tree from /proc (bench_proc.h). */
#include "bench_proc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* utime + stime + cutime + cstime of one process, in clock ticks; -1 if gone. */
static long long ticks(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: the fields start after its ')'. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	long long cut, cst;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld", &ut, &st, &cut, &cst) !=
			  4)
		return -1;
	return (long long)(ut + st) + cut + cst;
}

double bench_proc_cpu_ms(long pid)
{
	long long total = ticks(pid);
	if (total < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
	FILE *f = fopen(path, "r");
	long child;
	while (f && fscanf(f, "%ld", &child) == 1) {
		long long t = ticks(child);
		total += t > 0 ? t : 0;
	}
	if (f)
		fclose(f);
	return (double)total * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}
