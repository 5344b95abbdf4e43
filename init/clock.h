/* CLOCK_BOOTTIME in milliseconds: counts from kernel start, including suspend. */
#ifndef SNPBOOT_INIT_CLOCK_H
#define SNPBOOT_INIT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t boottime_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sleeps ms milliseconds, resuming after signals. */
void sleep_ms(uint32_t ms);

#endif
