/* Internal to host/cmd_report*.c: `snpboot report show|verify`. */
#ifndef SNPBOOT_HOST_CMD_REPORT_H
#define SNPBOOT_HOST_CMD_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "snp/snp_report.h"

#define REPORT_PROG "snpboot report"
/* Reports are 1184 bytes; read a little more so a wrong size is named, not truncated. */
#define REPORT_FILE_MAX (64u * 1024)

int cmd_report_show(int argc, char **argv);
int cmd_report_verify(int argc, char **argv);

/* --product milan|genoa|turin; -1 with a message if unknown. */
int report_parse_product(const char *s, enum snp_product *p);
/* Writes s as a JSON string literal (quotes and escapes). */
void report_json_string(FILE *out, const char *s);

#endif
