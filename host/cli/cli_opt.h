/* Small command-line helpers shared by the host subcommands. */
#ifndef SNPBOOT_HOST_CLI_OPT_H
#define SNPBOOT_HOST_CLI_OPT_H

#include <stdint.h>

/* Matches "--name value" or "--name=value" at argv[*i]; returns the value and
 * advances *i past it, NULL if argv[*i] is another option. A "--name" with
 * nothing after it sets *missing. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing);
/* Decimal, 0x hex or 0 octal; no sign, no trailing text, no overflow. 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *v);

#endif
