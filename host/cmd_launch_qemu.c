/* snpboot launch-qemu: starts (or prints) the QEMU command that launches
 * the VM a definition describes: on a real SEV-SNP host with KVM and the
 * AmdSev OVMF, or with --sim under TCG beside snp-sim on this machine. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "snp/idblock.h"
#include "qemu/launch_run.h"
#include "qemu/qemu_cmd.h"
#include "vmdef/vmdef.h"

#define PROG "snpboot launch-qemu"

static const char usage_text[] =
	"usage: snpboot launch-qemu --vm-definition vm.toml [--sim] [--print]\n"
	"                           [--console FILE] [--sim-socket PATH] [--sim-log FILE]\n"
	"\n"
	"Builds the QEMU command line from the VM definition ([vm], [firmware], [boot],\n"
	"[policy], [expect] host_data, [channel] and [launch]; see lib/vmdef.h) and runs it.\n"
	"\n"
	"Without --sim (a real SEV-SNP host, QEMU 9.1 or later): q35 with KVM, guest memory\n"
	"in a memfd backend, -object sev-snp-guest with the definition's POLICY,\n"
	"kernel-hashes=on, the ID block and host data when given, the AmdSev OVMF as -bios,\n"
	"-cpu vcpu_type; QEMU then replaces this process.\n"
	"\n"
	"  --sim              this machine without SNP: TCG (-cpu max), SeaBIOS, the same\n"
	"                     kernel, initrd and command line, and snp-sim (the simulated\n"
	"                     platform, TEST keys: proves nothing) started beside QEMU on a\n"
	"                     virtio-serial port (" QEMU_SIM_PORT_NAME "); both stop together\n"
	"  --print            print the command(s), shell-quoted, and start nothing (with\n"
	"                     --sim QEMU is asked its --version: it decides -chardev options)\n"
	"  --console FILE     serial console to FILE (default: launch.console, else stdout)\n"
	"  --sim-socket PATH  snp-sim's unix socket (default: in a private temporary directory;\n"
	"                     with --print: $TMPDIR/snpboot-sim-NAME.sock)\n"
	"  --sim-log FILE     snp-sim's output (default: this command's stderr)\n"
	"\n"
	"Networking (launch.network = \"user\"): in connect mode channel.address's port is\n"
	"forwarded to the guest's launch.guest_port; in listen mode the guest reaches the\n"
	"client through 10.0.2.2 (this host).\n"
	"\n"
	"Exit: QEMU's exit status (128+N if it was killed by signal N); 1 snp-sim failed or\n"
	"ended first, or --sim-socket is in use; 2 usage; 3 bad definition or ID block files;\n"
	"127 QEMU could not be run.\n";

struct launch_args {
	const char *vmdef, *console, *sim_socket, *sim_log;
	int sim, print;
};

static int parse(struct launch_args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"vm-definition", required_argument, NULL, 'd'},
					     {"sim", no_argument, NULL, 's'},
					     {"print", no_argument, NULL, 'p'},
					     {"console", required_argument, NULL, 'c'},
					     {"sim-socket", required_argument, NULL, 'S'},
					     {"sim-log", required_argument, NULL, 'L'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	memset(a, 0, sizeof *a);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->vmdef = optarg; break;
		case 's': a->sim = 1; break;
		case 'p': a->print = 1; break;
		case 'c': a->console = optarg; break;
		case 'S': a->sim_socket = optarg; break;
		case 'L': a->sim_log = optarg; break;
		case 'h': fputs(usage_text, stdout); return 1;
		default: fputs(usage_text, stderr); return -1;
		}
	}
	if (!a->vmdef || optind != argc) {
		fprintf(stderr, PROG ": --vm-definition FILE is required and nothing else may follow (see --help)\n");
		return -1;
	}
	if (!a->sim && (a->sim_socket || a->sim_log)) {
		fprintf(stderr, PROG ": --sim-socket and --sim-log go with --sim\n");
		return -1;
	}
	return 0;
}

/* SNP: the ID block files named by [launch], base64 as QEMU takes them. */
static int read_id_files(const struct vmdef *def, struct qemu_cmd_opts *o)
{
	char err[VMDEF_ERR_LEN];
	if (!def->launch.id_block[0])
		return 0;
	o->id_block_b64 = qemu_read_base64_file(def->launch.id_block, IDBLOCK_LEN, IDBLOCK_LEN, err, sizeof err);
	if (!o->id_block_b64) {
		fprintf(stderr, PROG ": %s:%u:%u: 'launch.id_block': %s\n", def->file, def->launch.pos_id_block.line,
			def->launch.pos_id_block.column, err);
		return -1;
	}
	o->id_auth_b64 = qemu_read_base64_file(def->launch.id_auth, 1, IDAUTH_LEN, err, sizeof err);
	if (!o->id_auth_b64) {
		fprintf(stderr, PROG ": %s:%u:%u: 'launch.id_auth': %s\n", def->file, def->launch.pos_id_auth.line,
			def->launch.pos_id_auth.column, err);
		return -1;
	}
	return 0;
}

/* The snpboot binary, for the printed snp-sim command. */
static void self_path(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	if (n <= 0)
		snprintf(out, cap, "snpboot");
	else
		out[n] = '\0';
}

static void print_sim(const struct launch_args *a, const char *sock)
{
	char self[PATH_MAX];
	self_path(self, sizeof self);
	printf("# snp-sim, the simulated AMD Secure Processor (TEST keys: proves nothing); start it first:\n");
	shell_quote_print(stdout, self);
	fputs(" snp-sim --vm-definition ", stdout);
	shell_quote_print(stdout, a->vmdef);
	fputs(" --socket ", stdout);
	shell_quote_print(stdout, sock);
	fputs(" &\n# then QEMU, once the socket exists:\n", stdout);
}

static int run_sim(const struct launch_args *a, const struct vmdef *def, const struct qemu_cmd_opts *base)
{
	char dir[PATH_MAX] = "", sock[PATH_MAX], err[VMDEF_ERR_LEN];
	if (a->sim_socket) {
		snprintf(sock, sizeof sock, "%s", a->sim_socket);
	} else if (a->print) {
		const char *tmp = getenv("TMPDIR");
		char name[VMDEF_NAME_MAX];
		snprintf(name, sizeof name, "%s", def->name);
		for (char *p = name; *p; p++) /* a file name whatever vm.name holds */
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
				*p = '_';
		snprintf(sock, sizeof sock, "%s/snpboot-sim-%s.sock", tmp && *tmp ? tmp : "/tmp", name);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/snpboot-launch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			fprintf(stderr, PROG ": cannot make a directory for the snp-sim socket (%s): %s\n", dir,
				strerror(errno));
			return EXIT_FAILURE_GENERIC;
		}
		snprintf(sock, sizeof sock, "%s/sim.sock", dir);
	}
	struct qemu_cmd_opts o = *base; /* sock is ours: it must not outlive this call in base */
	o.sim_socket = sock;
	o.qemu_version = launch_qemu_version(def->launch.qemu);
	struct qemu_cmd cmd;
	if (qemu_cmd_build(&cmd, def, &o, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		if (dir[0])
			rmdir(dir);
		return EXIT_INPUT;
	}
	int rc;
	if (a->print) {
		print_sim(a, sock);
		qemu_cmd_print(stdout, &cmd);
		rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
	} else {
		char *sim_argv[] = {"snpboot", "snp-sim", "--vm-definition", (char *)a->vmdef, "--socket", sock, NULL};
		struct launch_run_opts r = {.qemu_argv = cmd.argv, .sim_argv = sim_argv, .sim_socket = sock,
					    .sim_log = a->sim_log, .sim_start_s = 600};
		rc = launch_run_sim(&r);
	}
	if (dir[0]) { /* snp-sim removes its socket when it stops; not if it was killed */
		unlink(sock);
		rmdir(dir);
	}
	qemu_cmd_free(&cmd);
	return rc;
}

static int run_snp(const struct launch_args *a, const struct vmdef *def, struct qemu_cmd_opts *o)
{
	char err[VMDEF_ERR_LEN];
	if (read_id_files(def, o))
		return EXIT_INPUT;
	struct qemu_cmd cmd;
	if (qemu_cmd_build(&cmd, def, o, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	if (a->print) {
		qemu_cmd_print(stdout, &cmd);
		qemu_cmd_free(&cmd);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
	}
	fflush(NULL);
	execvp(cmd.argv[0], cmd.argv);
	fprintf(stderr, PROG ": cannot run %s: %s\n", cmd.argv[0], strerror(errno));
	qemu_cmd_free(&cmd);
	return 127;
}

int cmd_launch_qemu(int argc, char **argv)
{
	struct launch_args a;
	int p = parse(&a, argc, argv);
	if (p)
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	static struct vmdef def; /* large */
	char err[VMDEF_ERR_LEN];
	if (vmdef_load(a.vmdef, &def, err, sizeof err) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_INPUT;
	}
	struct qemu_cmd_opts o = {.sim = a.sim, .console = a.console};
	int rc;
	if (a.sim) {
		if (!def.has_append || !strstr(def.append, "snpboot.attestation.provider=sim"))
			fprintf(stderr, PROG ": note: the guest asks snp-sim for its report only when boot.toml or the "
					"command line says snpboot.attestation.provider=sim\n");
		rc = run_sim(&a, &def, &o);
	} else {
		if (def.simulated)
			fprintf(stderr, PROG ": WARNING: %s trusts snp-sim's TEST root (simulated = true): its client will "
					"refuse the reports of real SNP hardware\n",
				def.file);
		rc = run_snp(&a, &def, &o);
	}
	free((char *)o.id_block_b64);
	free((char *)o.id_auth_b64);
	return rc;
}
