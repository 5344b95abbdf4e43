/*
 * Fuzz target for the console-log timeline parser (host/boot_timeline.c):
 * arbitrary bytes as a log, then the invariants the chart relies on, and the
 * chart itself rendered into memory (every parsed timeline must draw).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline/boot_timeline.h"

#define CHECK(c)                                                                                              \
	do {                                                                                                  \
		if (!(c))                                                                                     \
			abort();                                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_timeline t;
	char err[256];
	memset(err, 0, sizeof err);
	if (boot_timeline_parse(&t, (const char *)data, size, err, sizeof err) != 0) {
		CHECK(err[0] != 0); /* every refusal explains itself */
		CHECK(memchr(err, 0, sizeof err) != NULL);
		return 0;
	}
	CHECK(t.timelines >= 1 && t.n_phases >= 1 && t.n_phases <= BOOT_TIMELINE_MAX_PHASES);
	for (size_t i = 0; i < t.n_phases; i++) {
		const struct boot_phase *p = &t.phases[i];
		CHECK(p->name[0] != 0 && memchr(p->name, 0, sizeof p->name) != NULL);
		CHECK(p->wait_ms <= p->took_ms);
		CHECK(p->ok == 0 || p->ok == 1);
		CHECK(boot_timeline_end(&t) >= p->start_ms + p->took_ms);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	CHECK(mem != NULL);
	const struct boot_timeline *rows[2] = {&t, &t};
	const char *labels[2] = {"fuzz <&> \"log\"", ""};
	CHECK(boot_timeline_svg(mem, rows, labels, 2) == 0);
	CHECK(fclose(mem) == 0);
	CHECK(len > 0 && strstr(buf, "</svg>") != NULL);
	free(buf);
	return 0;
}
