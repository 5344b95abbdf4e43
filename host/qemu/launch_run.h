/* launch-qemu's process handling for the simulated platform: snp-sim and
 * QEMU started side by side and stopped together. */
#ifndef SNPBOOT_HOST_LAUNCH_RUN_H
#define SNPBOOT_HOST_LAUNCH_RUN_H

struct launch_run_opts {
	char *const *qemu_argv;  /* argv[0] is looked up in PATH */
	char *const *sim_argv;   /* snpboot's argv for snp-sim, run from /proc/self/exe */
	const char *sim_socket;  /* QEMU starts once snp-sim listens here */
	const char *sim_log;     /* snp-sim's stdout and stderr; NULL: ours */
	unsigned sim_start_s;    /* how long snp-sim may take to listen (its first run makes RSA keys) */
};

/*
 * Removes a stale socket at sim_socket (refuses a live one or another
 * file), starts snp-sim, waits for its socket, starts QEMU and waits for either
 * to end; the other is then stopped (SIGTERM, then SIGKILL after 10 s).
 * SIGINT, SIGTERM and SIGHUP are passed on to both. Returns QEMU's exit
 * status (128 + N when killed by signal N), 1 when the socket path is taken
 * or snp-sim failed to start or ended first, 127 when QEMU could not be run.
 */
int launch_run_sim(const struct launch_run_opts *o);

/* QEMU_VERSION (qemu_cmd.h) of the QEMU binary `qemu` (run with --version), 0 if it cannot be told. */
unsigned launch_qemu_version(const char *qemu);

#endif
