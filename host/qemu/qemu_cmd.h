/* launch-qemu's command-line builder: the QEMU argv for a VM definition,
 * either for a real SEV-SNP host (KVM, sev-snp-guest, the AmdSev OVMF) or
 * for the simulated platform on a machine without SNP (TCG, SeaBIOS, the
 * snp-sim virtio-serial port). Pure: reads no files, runs nothing. */
#ifndef SNPBOOT_HOST_QEMU_CMD_H
#define SNPBOOT_HOST_QEMU_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "vmdef/vmdef.h"

/* The virtio-serial port name the guest's sim provider opens (boot.toml attestation.sim_port). */
#define QEMU_SIM_PORT_NAME "org.snpboot.sim"

struct qemu_cmd {
	char **argv;          /* argc strings and a NULL */
	unsigned char *group; /* 1 where an option starts (a new line when printed) */
	size_t argc, cap;
	int oom;
};

struct qemu_cmd_opts {
	int sim;                  /* TCG + SeaBIOS + snp-sim port instead of SNP */
	const char *sim_socket;   /* sim: snp-sim's unix socket */
	const char *console;      /* serial console file; NULL: launch.console, else stdio */
	const char *id_block_b64; /* SNP: the ID block (base64) when launch.id_block is set */
	const char *id_auth_b64;  /* SNP: the ID auth info (base64), with id_block_b64 */
	unsigned qemu_version;    /* sim: QEMU_VERSION(major, minor) of the binary, 0: unknown (old) */
};

#define QEMU_VERSION(major, minor) ((major) * 1000u + (minor))

/* Builds the argv into c (which must be zeroed or freed). Returns 0, or -1 with err
 * (a definition QEMU cannot launch this way, or out of memory). */
int qemu_cmd_build(struct qemu_cmd *c, const struct vmdef *def, const struct qemu_cmd_opts *o, char *err,
		   size_t err_len);
void qemu_cmd_free(struct qemu_cmd *c);

/* Prints argv shell-quoted, one option and its value per line (" \" continued). */
void qemu_cmd_print(FILE *out, const struct qemu_cmd *c);
/* Prints one word quoted for a POSIX shell (as is when it needs no quoting). */
void shell_quote_print(FILE *out, const char *s);

/* s with every ',' doubled, for a value inside a QEMU "key=value,..." option (malloc'd; NULL: no memory). */
char *qemu_opt_escape(const char *s);

/* QEMU_VERSION from `qemu-system-x86_64 --version` output ("QEMU emulator version 7.2.22 ..."), 0 if none. */
unsigned qemu_parse_version(const char *text);

/* The base64 text of an idblock-generator file with surrounding whitespace removed, checked to
 * decode to min..max bytes (malloc'd). NULL with err. */
char *qemu_read_base64_file(const char *path, size_t min, size_t max, char *err, size_t err_len);

#endif
