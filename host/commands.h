#ifndef SNPBOOT_HOST_COMMANDS_H
#define SNPBOOT_HOST_COMMANDS_H

#define X(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef X

/* Exit codes shared by all subcommands (documented in README and --help). */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_GENERIC = 1, /* the check or operation failed (e.g. verification refused) */
	EXIT_USAGE = 2,           /* bad command line */
	EXIT_INPUT = 3,           /* unreadable or malformed input file */
};

#endif
