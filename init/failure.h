#ifndef SNPBOOT_INIT_FAILURE_H
#define SNPBOOT_INIT_FAILURE_H

#include "bootcfg/bootcfg.h"

/* Powers off or reboots; never returns (if the kernel refuses, it waits forever:
 * PID 1 may not exit). */
_Noreturn void failure_final(enum failure_action action);

#endif
