/* The fleet-wide minimum TCB (`snpboot broker set min_tcb ...`): its text
 * form and how it combines with a VM definition's own [expect] min_tcb. */
#ifndef SNPBOOT_HOST_BROKER_TCB_H
#define SNPBOOT_HOST_BROKER_TCB_H

#include <stddef.h>

#include "snp/snp_report.h"

/* The name of the setting in the store. */
#define BROKER_SETTING_MIN_TCB "min_tcb"

/* "bootloader=3,tee=0,snp=8,microcode=115[,fmc=N]": the four components
 * are required, each 0..255, no key twice. 0, or -1 with err. */
int broker_tcb_parse(const char *text, struct snp_tcb *tcb, char *err, size_t err_len);

/* The stricter of the two, component by component (the fleet can only
 * raise a VM's bar, never lower it). */
void broker_tcb_max(struct snp_tcb *into, const struct snp_tcb *other);

#endif
