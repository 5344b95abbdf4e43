/* `config-generator --min-tcb-from FILE`: expect.min_tcb from something the
 * owner trusts, a report (raw 1184 bytes, or the EVIDENCE `client
 * --save-evidence` kept) or a VCEK certificate (DER or PEM). */
#ifndef SNPBOOT_HOST_MIN_TCB_FROM_H
#define SNPBOOT_HOST_MIN_TCB_FROM_H

#include <stddef.h>

/*
 * The TCB of FILE as a --min-tcb value ("bootloader=3,tee=0,snp=8,microcode=115",
 * ",fmc=N" on Turin) into value, and what it was read from ("REPORTED_TCB of a
 * version 3 report", "the TCB extensions of a VCEK for Milan-B0") into what.
 * 0, or -1 with the reason in err.
 */
int min_tcb_from_file(const char *prog, const char *path, char *value, size_t value_cap, char *what,
		      size_t what_cap, char *err, size_t err_len);

#endif
