/* Per-phase timing on CLOCK_BOOTTIME, printed as one line per phase at the end
 * so boots can be compared and plotted (`snpboot-timeline:` lines). */
#ifndef SNPBOOT_INIT_TIMELINE_H
#define SNPBOOT_INIT_TIMELINE_H

#include <stdint.h>

#define TIMELINE_MAX 16

void timeline_begin(const char *phase);
/* Time inside the current phase that was spent waiting on someone else (the
 * owner's client), so it can be told apart from our own work. */
void timeline_note_wait(uint64_t ms);
void timeline_end(int ok);
void timeline_print(void);

#endif
