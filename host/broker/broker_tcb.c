/* The fleet's minimum TCB (broker_tcb.h). */
#include "broker_tcb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int broker_tcb_parse(const char *text, struct snp_tcb *tcb, char *err, size_t err_len)
{
	static const char *const names[] = {"bootloader", "tee", "snp", "microcode", "fmc"};
	unsigned seen = 0;
	memset(tcb, 0, sizeof *tcb);
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "=");
		size_t i = 0;
		while (i < 5 && !(strlen(names[i]) == n && strncmp(p, names[i], n) == 0))
			i++;
		if (i == 5 || p[n] != '=') {
			snprintf(err, err_len, "min_tcb '%s': expected bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]", text);
			return -1;
		}
		if (seen & (1u << i)) {
			snprintf(err, err_len, "min_tcb '%s': %s given twice", text, names[i]);
			return -1;
		}
		char *end;
		unsigned long v = strtoul(p + n + 1, &end, 10);
		if (end == p + n + 1 || v > 255 || (*end && *end != ',')) {
			snprintf(err, err_len, "min_tcb '%s': %s must be 0..255", text, names[i]);
			return -1;
		}
		seen |= 1u << i;
		uint8_t *slot[] = {&tcb->bootloader, &tcb->tee, &tcb->snp, &tcb->microcode, &tcb->fmc};
		*slot[i] = (uint8_t)v;
		p = *end ? end + 1 : end;
	}
	if ((seen & 0xf) != 0xf) {
		snprintf(err, err_len, "min_tcb '%s': bootloader, tee, snp and microcode are all required", text);
		return -1;
	}
	tcb->has_fmc = (seen & 0x10) != 0;
	return 0;
}

static void raise_to(uint8_t *a, uint8_t b)
{
	if (b > *a)
		*a = b;
}

void broker_tcb_max(struct snp_tcb *into, const struct snp_tcb *other)
{
	raise_to(&into->bootloader, other->bootloader);
	raise_to(&into->tee, other->tee);
	raise_to(&into->snp, other->snp);
	raise_to(&into->microcode, other->microcode);
	if (other->has_fmc) {
		raise_to(&into->fmc, other->fmc);
		into->has_fmc = 1;
	}
}
