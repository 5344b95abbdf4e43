/* CPU time of a process tree from /proc, for the broker benchmark. */
#ifndef SNPBOOT_BENCH_PROC_H
#define SNPBOOT_BENCH_PROC_H

/* User + system time in ms of pid, its reaped children (cutime, cstime) and
 * its live children (the broker's prefork workers) with theirs; -1 when pid
 * cannot be read. Live workers count directly: their time reaches the
 * parent's cutime only when they exit. */
double bench_proc_cpu_ms(long pid);

#endif
