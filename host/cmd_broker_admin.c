/* snpboot broker: the key broker's administration (the fleet in its store,
 * host/broker/broker_store.h). The network service that releases keys
 * adds its own subcommand here (`serve`); this file holds the admin side:
 * init-key, add, list, show, revoke, rotate-key, log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/bytes.h"
#include "broker/broker_master_key.h"
#include "broker/broker_store.h"
#include "broker/broker_tcb.h"
#include "cli/cli_opt.h"
#include "cli/file_io.h"
#include "cli/secret_file.h"
#include "cmd_broker_serve.h"
#include "commands.h"
#include "vmdef/vmdef.h"

#define PROG "snpboot broker"

static const char usage_text[] =
	"usage: snpboot broker init-key FILE\n"
	"       snpboot broker --db URL --master-key KEY COMMAND [ARGS]\n"
	"       snpboot broker serve --db URL --master-key KEY --owner-key FILE --listen ADDR:PORT ...\n"
	"                            (the key service itself: snpboot broker serve --help)\n"
	"\n"
	"commands:\n"
	"  add VM.TOML --disk-key-file F   add a VM: its definition (stored verbatim)\n"
	"                                  and its disk key (sealed)\n"
	"  list                            every VM, its state and key version\n"
	"  show NAME                       one VM, its key versions and definition\n"
	"  revoke NAME [--reason TEXT]     release its key no more\n"
	"  rotate-key NAME --disk-key-file F  a new current key version (older kept)\n"
	"  log [--since T]                 the audit log; T is Unix seconds,\n"
	"                                  YYYY-MM-DD[THH:MM:SS] (UTC) or 30m, 12h, 7d ago\n"
	"  measurement add|remove NAME HEX another MEASUREMENT (96 hex) the VM may report,\n"
	"                                  e.g. the new image during a rolling upgrade\n"
	"  chip add|remove NAME HEX        allow only these CHIP_IDs (128 hex) for the VM\n"
	"                                  (none listed: any chip)\n"
	"  set min_tcb TCB | unset min_tcb the fleet's minimum TCB (bootloader=N,tee=N,snp=N,\n"
	"                                  microcode=N[,fmc=N]); raises every VM's, never lowers\n"
	"  settings                        the fleet settings\n"
	"\n"
	"  --db URL          sqlite:PATH (or a path), postgresql://..., or a libpq\n"
	"                    keyword string \"host=... dbname=...\"\n"
	"  --master-key KEY  the master key file (mode 0600, yours), or cred:NAME\n"
	"                    for the systemd credential NAME\n"
	"  init-key FILE     makes a new master key file (never overwrites one)\n"
	"\n"
	"Exit: 0 done, 1 refused or the database failed, 2 usage, 3 unreadable input.\n";

struct opts {
	const char *db, *master_key, *disk_key_file, *reason, *since;
	const char *pos[4];
	int npos;
};

static int usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static void fmt_time(char *out, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "-");
}

/* Unix seconds, an ISO date (UTC), or N{s,m,h,d} ago. 0, or -1. */
static int parse_since(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	static const struct { char c; int64_t mul; } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	if (end != s && *end == '\0' && v >= 0) {
		*out = v;
		return 0;
	}
	for (size_t i = 0; end != s && v >= 0 && i < sizeof units / sizeof units[0]; i++)
		if (end[0] == units[i].c && end[1] == '\0') {
			*out = (int64_t)time(NULL) - v * units[i].mul;
			return 0;
		}
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest) {
		memset(&tm, 0, sizeof tm);
		rest = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!rest || (*rest && strcmp(rest, "Z") != 0))
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if ((v = cli_opt_value(argc, argv, &i, "--db", &missing)))
			o->db = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--master-key", &missing)))
			o->master_key = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--disk-key-file", &missing)))
			o->disk_key_file = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--reason", &missing)))
			o->reason = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--since", &missing)))
			o->since = v;
		else if (missing || argv[i][0] == '-' || o->npos == 4) {
			fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[i]);
			return -1;
		} else {
			o->pos[o->npos++] = argv[i];
		}
	}
	return 0;
}

static int open_store(const struct opts *o, struct broker_store **s)
{
	char err[BROKER_ERR_MAX];
	uint8_t key[BROKER_MASTER_KEY_LEN];
	if (!o->db || !o->master_key) {
		fprintf(stderr, "%s: name the database (--db) and the master key (--master-key)\n", PROG);
		return EXIT_USAGE;
	}
	if (broker_master_key_load(o->master_key, key, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_INPUT;
	}
	int rc = broker_store_open(s, o->db, key, err, sizeof err);
	secure_wipe(key, sizeof key);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_FAILURE_GENERIC;
	}
	return EXIT_OK;
}

static int read_disk_key(const struct opts *o, uint8_t *key, size_t *len)
{
	char err[BROKER_ERR_MAX];
	if (!o->disk_key_file) {
		fprintf(stderr, "%s: name the disk key with --disk-key-file\n", PROG);
		return EXIT_USAGE;
	}
	if (secret_read_file(o->disk_key_file, "disk key file", key, 1, BROKER_DISK_KEY_MAX, len, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static int do_add(struct broker_store *s, const struct opts *o)
{
	static struct vmdef def; /* large */
	char err[BROKER_ERR_MAX];
	uint8_t key[BROKER_DISK_KEY_MAX];
	size_t len = 0, key_len = 0;
	char *text = file_read_all(PROG, o->pos[1], BROKER_DEFINITION_MAX, &len);
	if (!text)
		return EXIT_INPUT;
	/* Checked with the client's own parser: the broker will verify against this text. */
	if (vmdef_parse(o->pos[1], text, len, &def, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		free(text);
		return EXIT_INPUT;
	}
	/* The broker finds a VM by the HOST_DATA of its report: without one it
	 * could never be served. */
	if (!def.has_host_data) {
		fprintf(stderr, "%s: vm '%s' has no [expect] host_data: the broker finds a VM by the HOST_DATA of its "
				"report, so it could never serve this one (set host_data, or use initdata)\n",
			PROG, def.name);
		free(text);
		return EXIT_INPUT;
	}
	/* A computed MEASUREMENT is computed now, from the files as they are, and
	 * kept among the VM's accepted ones: the service never reads them. */
	uint8_t m[BROKER_MEASUREMENT_LEN];
	if (def.measurement_computed && vmdef_measure(&def, m, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		free(text);
		return EXIT_INPUT;
	}
	if (def.simulated)
		fprintf(stderr, "%s: WARNING: vm '%s' trusts snp-sim's TEST root (simulated = true): a release to it "
				"proves nothing about real hardware\n",
			PROG, def.name);
	int rc = read_disk_key(o, key, &key_len);
	if (rc == EXIT_OK) {
		struct broker_vm_new nv = {.name = def.name, .definition = text, .definition_len = len,
					   .has_host_data = 1};
		memcpy(nv.host_data, def.host_data, sizeof nv.host_data);
		if (broker_vm_add(s, &nv, key, key_len, NULL, err, sizeof err) != 0 ||
		    (def.measurement_computed && broker_vm_measurement_add(s, def.name, m, err, sizeof err) != 0)) {
			fprintf(stderr, "%s: %s\n", PROG, err);
			rc = EXIT_FAILURE_GENERIC;
		} else {
			char hex[2 * BROKER_MEASUREMENT_LEN + 1];
			hex_encode(hex, def.measurement_computed ? m : def.measurement, BROKER_MEASUREMENT_LEN);
			printf("added vm '%s' (disk key version 1, MEASUREMENT %s%s)\n", def.name, hex,
			       def.measurement_computed ? ", computed now" : "");
		}
	}
	secure_wipe(key, sizeof key);
	free(text);
	return rc;
}

static int print_vm(void *ctx, const struct broker_vm *vm)
{
	(void)ctx;
	char when[32];
	fmt_time(when, sizeof when, vm->updated_at);
	printf("%-24s %-8s key v%-3u updated %s\n", vm->name, vm->state == BROKER_VM_ACTIVE ? "active" : "revoked",
	       (unsigned)vm->key_version, when);
	return 0;
}

static int print_key(void *ctx, const struct broker_key_info *k)
{
	(void)ctx;
	char when[32];
	fmt_time(when, sizeof when, k->created_at);
	printf("key v%u         %s, created %s\n", (unsigned)k->version, k->current ? "current" : "retired", when);
	return 0;
}

static int do_show(struct broker_store *s, const char *name)
{
	char err[BROKER_ERR_MAX], hex[2 * BROKER_CHIP_ID_LEN + 1], t1[32], t2[32];
	struct broker_vm vm;
	if (broker_vm_get(s, name, &vm, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_FAILURE_GENERIC;
	}
	fmt_time(t1, sizeof t1, vm.created_at);
	fmt_time(t2, sizeof t2, vm.updated_at);
	printf("name           %s\nstate          %s\n", vm.name, vm.state == BROKER_VM_ACTIVE ? "active" : "revoked");
	if (vm.state == BROKER_VM_REVOKED) {
		fmt_time(t1, sizeof t1, vm.revoked_at);
		printf("revoked        %s: %s\n", t1, vm.revoked_reason);
		fmt_time(t1, sizeof t1, vm.created_at);
	}
	hex_encode(hex, vm.host_data, BROKER_HOST_DATA_LEN);
	printf("host_data      %s\ncreated        %s\nupdated        %s\n", vm.has_host_data ? hex : "-", t1, t2);
	for (size_t i = 0; i < vm.n_measurements; i++) {
		hex_encode(hex, vm.measurements[i], BROKER_MEASUREMENT_LEN);
		printf("measurement    %s\n", hex);
	}
	for (size_t i = 0; i < vm.n_chip_ids; i++) {
		hex_encode(hex, vm.chip_ids[i], BROKER_CHIP_ID_LEN);
		printf("chip_id        %s\n", hex);
	}
	int rc = broker_vm_key_list(s, name, print_key, NULL, err, sizeof err);
	if (rc == 0)
		printf("--- definition (%zu bytes) ---\n%s", vm.definition_len, vm.definition);
	else
		fprintf(stderr, "%s: %s\n", PROG, err);
	broker_vm_free(&vm);
	return rc == 0 ? EXIT_OK : EXIT_FAILURE_GENERIC;
}

static int print_event(void *ctx, const struct broker_event *ev)
{
	(void)ctx;
	char when[32], rid[2 * BROKER_REPORT_ID_LEN + 1] = "-", chip[40] = "-", tcb[24] = "-";
	fmt_time(when, sizeof when, ev->at);
	if (ev->has_report_id)
		hex_encode(rid, ev->report_id, BROKER_REPORT_ID_LEN);
	if (ev->has_chip_id) { /* 16 of its 64 bytes tell chips apart */
		hex_encode(chip, ev->chip_id, 16);
		strcat(chip, "...");
	}
	if (ev->has_tcb)
		snprintf(tcb, sizeof tcb, "0x%016llx", (unsigned long long)ev->reported_tcb);
	printf("%s %-8s %-16s report_id=%s chip_id=%s tcb=%s peer=%s %s\n", when, broker_verdict_name(ev->verdict),
	       ev->vm_name[0] ? ev->vm_name : "-", rid, chip, tcb, ev->peer[0] ? ev->peer : "-", ev->reason);
	return 0;
}

/* measurement|chip add|remove NAME HEX. */
static int do_vm_list_edit(struct broker_store *s, const struct opts *o, char *err, size_t err_len)
{
	int chip = strcmp(o->pos[0], "chip") == 0, add = strcmp(o->pos[1], "add") == 0;
	size_t want = chip ? BROKER_CHIP_ID_LEN : BROKER_MEASUREMENT_LEN;
	uint8_t v[BROKER_CHIP_ID_LEN];
	if ((!add && strcmp(o->pos[1], "remove") != 0) || strlen(o->pos[3]) != 2 * want ||
	    hex_decode(v, want, o->pos[3], 2 * want) != 0) {
		fprintf(stderr, "%s: %s add|remove NAME HEX: HEX is %zu hex digits\n", PROG, o->pos[0], 2 * want);
		return EXIT_USAGE;
	}
	int rc = chip ? (add ? broker_vm_chip_add(s, o->pos[2], v, err, err_len)
			     : broker_vm_chip_remove(s, o->pos[2], v, err, err_len))
		      : (add ? broker_vm_measurement_add(s, o->pos[2], v, err, err_len)
			     : broker_vm_measurement_remove(s, o->pos[2], v, err, err_len));
	if (rc != 0)
		return -1;
	printf("vm '%s': %s %s\n", o->pos[2], o->pos[0], add ? "added" : "removed");
	return EXIT_OK;
}

static int print_setting(void *ctx, const char *name, const char *value)
{
	(void)ctx;
	printf("%-16s %s\n", name, value);
	return 0;
}

/* set min_tcb TCB, unset min_tcb: only settings the service knows. */
static int do_setting(struct broker_store *s, const struct opts *o, char *err, size_t err_len)
{
	struct snp_tcb tcb;
	int set = strcmp(o->pos[0], "set") == 0;
	if (strcmp(o->pos[1], BROKER_SETTING_MIN_TCB) != 0) {
		fprintf(stderr, "%s: unknown setting '%s' (known: " BROKER_SETTING_MIN_TCB ")\n", PROG, o->pos[1]);
		return EXIT_USAGE;
	}
	if (set && broker_tcb_parse(o->pos[2], &tcb, err, err_len) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_USAGE;
	}
	if ((set ? broker_setting_set(s, o->pos[1], o->pos[2], err, err_len)
		 : broker_setting_unset(s, o->pos[1], err, err_len)) != 0)
		return -1;
	printf("%s %s\n", o->pos[1], set ? o->pos[2] : "unset");
	return EXIT_OK;
}

static int run(struct broker_store *s, const struct opts *o)
{
	char err[BROKER_ERR_MAX];
	const char *cmd = o->pos[0];
	int rc = 0;
	if (strcmp(cmd, "add") == 0 && o->npos == 2)
		return do_add(s, o);
	if ((strcmp(cmd, "measurement") == 0 || strcmp(cmd, "chip") == 0) && o->npos == 4)
		rc = do_vm_list_edit(s, o, err, sizeof err);
	else if ((strcmp(cmd, "set") == 0 && o->npos == 3) || (strcmp(cmd, "unset") == 0 && o->npos == 2))
		rc = do_setting(s, o, err, sizeof err);
	else if (strcmp(cmd, "settings") == 0 && o->npos == 1)
		rc = broker_setting_list(s, print_setting, NULL, err, sizeof err);
	else if (strcmp(cmd, "list") == 0 && o->npos == 1)
		rc = broker_vm_list(s, print_vm, NULL, err, sizeof err);
	else if (strcmp(cmd, "show") == 0 && o->npos == 2)
		return do_show(s, o->pos[1]);
	else if (strcmp(cmd, "revoke") == 0 && o->npos == 2)
		rc = broker_vm_revoke(s, o->pos[1], o->reason, err, sizeof err);
	else if (strcmp(cmd, "rotate-key") == 0 && o->npos == 2) {
		uint8_t key[BROKER_DISK_KEY_MAX];
		size_t len = 0;
		uint32_t version = 0;
		int r = read_disk_key(o, key, &len);
		if (r != EXIT_OK)
			return r;
		rc = broker_vm_rotate_key(s, o->pos[1], key, len, &version, err, sizeof err);
		secure_wipe(key, sizeof key);
		if (rc == 0)
			printf("vm '%s': disk key version %u is current\n", o->pos[1], (unsigned)version);
	} else if (strcmp(cmd, "log") == 0 && o->npos == 1) {
		int64_t since = 0;
		if (o->since && parse_since(o->since, &since) != 0) {
			fprintf(stderr, "%s: --since '%s': expected Unix seconds, YYYY-MM-DD[THH:MM:SS] or 30m/12h/7d\n",
				PROG, o->since);
			return EXIT_USAGE;
		}
		rc = broker_event_list(s, since, print_event, NULL, err, sizeof err);
	} else {
		return usage();
	}
	if (rc > 0)
		return rc; /* a usage or input error, said already */
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_FAILURE_GENERIC;
	}
	return EXIT_OK;
}

int cmd_broker_admin(int argc, char **argv)
{
	struct opts o;
	char err[BROKER_ERR_MAX];
	if (argc > 1 && strcmp(argv[1], "serve") == 0)
		return cmd_broker_serve(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
	if (parse(argc, argv, &o) != 0 || o.npos == 0)
		return usage();
	if (strcmp(o.pos[0], "init-key") == 0) {
		if (o.npos != 2)
			return usage();
		if (broker_master_key_generate(o.pos[1], err, sizeof err) != 0) {
			fprintf(stderr, "%s: %s\n", PROG, err);
			return EXIT_FAILURE_GENERIC;
		}
		printf("wrote a new master key to %s (mode 0600): back it up; without it no disk key opens\n", o.pos[1]);
		return EXIT_OK;
	}
	struct broker_store *s = NULL;
	int rc = open_store(&o, &s);
	if (rc != EXIT_OK)
		return rc;
	rc = run(s, &o);
	broker_store_close(s);
	return rc;
}
