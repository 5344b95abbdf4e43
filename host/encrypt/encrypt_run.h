/* Helpers of `snpboot encrypt-disk`: running cryptsetup and qemu-img with a
 * secret on a pipe and a progress display, and copying byte ranges. */
#ifndef SNPBOOT_HOST_ENCRYPT_RUN_H
#define SNPBOOT_HOST_ENCRYPT_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Progress on stderr: "\r" updates on a terminal, one line each otherwise
 * (only with --progress), at most twice a second. */
struct progress {
	int enabled, tty, shown;
	int percent_only; /* the tool tells a percentage, not bytes (qemu-img) */
	int last_pct;
	const char *what;
	struct timespec last;
};
void progress_init(struct progress *p, int enabled, const char *what);
void progress_update(struct progress *p, uint64_t done, uint64_t total);
void progress_end(struct progress *p);

/* Parses one line of cryptsetup --progress-json ("device_bytes", "device_size":
 * returns 0) or qemu-img -p ("(12.34/100%)", as parts per 10000: returns 1);
 * -1 if it is neither. */
int progress_parse_line(const char *line, uint64_t *done, uint64_t *total);

/* Runs argv (argv[0] a path or a name looked up in PATH) in directory cwd
 * (NULL: ours). If secret is not NULL it is written to the child's stdin
 * through a pipe, then the pipe is closed: the secret is never in argv or
 * the environment. The child's stdout is parsed for progress lines (and
 * otherwise dropped); its stderr is ours. Returns the exit status, or -1 if it
 * could not run (message on stderr), 128+N if killed by signal N. */
int run_tool(const char *prog, char *const argv[], const char *cwd, const uint8_t *secret, size_t secret_len,
	     struct progress *p);

/* Copies len bytes from in at in_off to out at out_off. With sparse, blocks of
 * zeros are skipped (out must be a fresh, already sized file). fsyncs out.
 * 0 or -1 (message on stderr, prefixed by prog). */
int copy_range(const char *prog, int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len, int sparse,
	       struct progress *p);

#endif
