/* `config-generator --check`: reviews a VM definition beyond loading it.
 * Findings are printed as "FILE:LINE:COL: SEVERITY: what" followed by
 * "    fix: what to change", and counted:
 *   error    the client could not use the definition as it stands (a file it
 *            needs is unusable, the firmware cannot measure the kernel, ...)
 *   warning  a choice that weakens what a verified report proves
 *   note     a protection that is available but not used */
#ifndef SNPBOOT_HOST_VMDEF_CHECK_H
#define SNPBOOT_HOST_VMDEF_CHECK_H

#include <stdio.h>

struct vmdef_check_counts {
	unsigned errors, warnings, notes;
};

/*
 * Loads path (vmdef_load) and reviews it. use_files: also read the files it
 * names (compute MEASUREMENT, read the trust anchor, inspect the firmware
 * and ID block); without, only the text is judged. Returns 0 with counts
 * filled, or -1 when the definition does not load (err: "file:line:col: why").
 */
int vmdef_check_file(const char *path, FILE *out, int use_files, struct vmdef_check_counts *counts, char *err,
		     size_t err_len);

#endif
