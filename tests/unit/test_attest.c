/* The attestation providers against fakes: a plain-file imitation of a
 * configfs-tsm entry, a stand-in for the sev-guest ioctl that behaves like
 * the kernel driver, and a fake snp-sim in a child process behind a
 * socketpair or a pty (for the virtio-serial port). Reports are the real
 * Milan report with REPORT_DATA and VMPL patched in. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/sev-guest.h>

#include "../tap.h"
#include "attest_impl.h"
#include "base/bytes.h"
#include "base/guid.h"
#include "chan/chan_binding.h"
#include "clock.h"
#include "simwire/sim_proto.h"
#include "snp/snp_certtable.h"

static uint8_t base_report[ATTEST_REPORT_LEN];
static struct attest_evidence ev;
static char err[1024];
static uint8_t rd[64];

/* ---- helpers ------------------------------------------------------------ */

static void load_report(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/testvectors/real/milan/report.bin", shared_dir());
	FILE *f = fopen(path, "rb");
	if (!f || fread(base_report, 1, sizeof base_report, f) != sizeof base_report) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
}

/* The real report, answering report_data at vmpl (signature no longer
 * valid, which nothing here checks). */
static void make_report(uint8_t out[ATTEST_REPORT_LEN], const uint8_t data[64], uint32_t vmpl)
{
	memcpy(out, base_report, ATTEST_REPORT_LEN);
	memcpy(out + 0x50, data, 64);
	le32_store(out + 0x30, vmpl);
}

/* A certificate table with three fake DER blobs; returns its size. */
static size_t make_table(uint8_t *out, size_t cap, size_t vcek_len)
{
	static uint8_t ark[700], ask[600], vcek[20000];
	memset(ark, 0xA1, sizeof ark);
	memset(ask, 0xA2, sizeof ask);
	memset(vcek, 0xA3, sizeof vcek);
	struct snp_certtable_input in[3] = {
		{SNP_CERT_ARK, NULL, ark, sizeof ark},
		{SNP_CERT_ASK, NULL, ask, sizeof ask},
		{SNP_CERT_VCEK, NULL, vcek, vcek_len},
	};
	memset(out, 0, cap);
	return snp_certtable_write(out, cap, in, 3);
}

static char tmp_root[64];

static void mk_tmp(void)
{
	snprintf(tmp_root, sizeof tmp_root, "/tmp/snpboot-attest-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
}

static void path_of(char *out, size_t len, const char *a, const char *b)
{
	snprintf(out, len, "%s/%s", a, b);
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char p[512];
	path_of(p, sizeof p, dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		printf("Bail out! writing %s\n", p);
		exit(1);
	}
	close(fd);
}

static void puts_file(const char *dir, const char *name, const char *text) { put(dir, name, text, strlen(text)); }

static size_t get(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	char p[512];
	path_of(p, sizeof p, dir, name);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return (size_t)-1;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	return n < 0 ? (size_t)-1 : (size_t)n;
}

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	const struct dirent *de;
	char p[512];
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path_of(p, sizeof p, dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return -1;
	const struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

#define has(s, sub) (strstr((s), (sub)) != NULL)
/* Expects success; shows the error only when there is one. */
#define is_ok(call, ...)                                  \
	do {                                              \
		err[0] = '\0';                           \
		int rc_ = (call);                         \
		if (!ok(rc_ == 0, __VA_ARGS__))           \
			diag("error: %s", err);           \
	} while (0)

/* ---- shared checks ------------------------------------------------------ */

static void test_checks(void)
{
	static uint8_t buf[16384];
	size_t used = 99;

	make_report(ev.report, rd, 1);
	ev.report_len = ATTEST_REPORT_LEN;
	is_int(attest_check_report(&ev, rd, 1, NULL, err, sizeof err), 0, "check: matching report accepted");
	is_int(attest_check_report(&ev, rd, 0, NULL, err, sizeof err), -1, "check: other VMPL refused");
	ok(has(err, "VMPL 1"), "check: says which VMPL (%s)", err);
	uint8_t other[64];
	memcpy(other, rd, 64);
	other[63] ^= 1;
	is_int(attest_check_report(&ev, other, 1, NULL, err, sizeof err), -1, "check: other REPORT_DATA refused");
	ok(has(err, "stale"), "check: calls it stale (%s)", err);
	ev.report_len = 1000;
	is_int(attest_check_report(&ev, rd, 1, NULL, err, sizeof err), -1, "check: short report refused");

	is_int(attest_certtable_used(buf, 0, &used, err, sizeof err), 0, "certtable: empty buffer");
	is_int(used, 0, "certtable: empty buffer uses 0");
	memset(buf, 0, sizeof buf);
	used = 99;
	is_int(attest_certtable_used(buf, sizeof buf, &used, err, sizeof err), 0, "certtable: zero pages");
	is_int(used, 0, "certtable: zero pages mean no certificates");
	size_t tl = make_table(buf, sizeof buf, 1200);
	ok(tl > 0, "certtable: test table written (%zu bytes)", tl);
	is_int(attest_certtable_used(buf, sizeof buf, &used, err, sizeof err), 0, "certtable: real table");
	is_int(used, tl, "certtable: used length is the table's");
	is_int(attest_certtable_used(buf, tl, &used, err, sizeof err), 0, "certtable: exact-length buffer");
	is_int(attest_certtable_used(buf, tl - 1, &used, err, sizeof err), -1, "certtable: data past the end refused");
	ok(has(err, "entry 2"), "certtable: names the entry (%s)", err);
	memset(buf, 0x55, 100);
	is_int(attest_certtable_used(buf, 100, &used, err, sizeof err), -1, "certtable: no terminator refused");
	is_int(attest_certtable_used(buf, 10, &used, err, sizeof err), -1, "certtable: runt refused");
	/* An entry whose offset + length overflows 32 bits must not wrap. */
	memset(buf, 0, 72);
	memset(buf, 0x11, 16);
	le32_store(buf + 16, 0xFFFFFFF0u);
	le32_store(buf + 20, 0x20u);
	is_int(attest_certtable_used(buf, 4096, &used, err, sizeof err), -1, "certtable: u32 wrap refused");

	char out[8];
	attest_sanitize(out, sizeof out, (const uint8_t *)"a\x1b[2J\n\xff", 7);
	is_str(out, "a?[2J??", "sanitize: control and high bytes replaced");
	attest_sanitize(out, 4, (const uint8_t *)"abcdef", 6);
	is_str(out, "abc", "sanitize: truncates");

	is_str(attest_provider_name(ATTEST_AUTO), "auto", "name: auto");
	is_str(attest_provider_name(ATTEST_CONFIGFS_TSM), "configfs-tsm", "name: configfs-tsm");
	is_str(attest_provider_name(ATTEST_SEV_GUEST), "sev-guest", "name: sev-guest");
	is_str(attest_provider_name(ATTEST_SIM), "sim", "name: sim");
}

/* ---- configfs-tsm --------------------------------------------------------- */

static void fake_entry(const char *entry, const char *provider, const char *gen, int with_privlevel,
		       const uint8_t *outblob, size_t out_len, const uint8_t *aux, long aux_len)
{
	mkdir(entry, 0700);
	puts_file(entry, "provider", provider);
	puts_file(entry, "generation", gen);
	puts_file(entry, "privlevel_floor", "0\n");
	if (with_privlevel)
		put(entry, "privlevel", "", 0);
	put(entry, "inblob", "", 0);
	if (outblob)
		put(entry, "outblob", outblob, out_len);
	if (aux_len >= 0)
		put(entry, "auxblob", aux, (size_t)aux_len);
}

static void test_tsm(void)
{
	static uint8_t table[16384], rep[ATTEST_REPORT_LEN + 100], got[256];
	char entry[256], root[256];
	size_t tl = make_table(table, sizeof table, 1400);

	ok(attest_tsm_generation_ok(5, 7, 2), "generation: our two writes");
	ok(attest_tsm_generation_ok(5, 5, 2), "generation: unchanged (plain-file fake) let through");
	ok(!attest_tsm_generation_ok(5, 8, 2), "generation: a third write is someone else's");
	ok(!attest_tsm_generation_ok(5, 4, 2), "generation: going backwards refused");
	ok(attest_tsm_generation_ok(UINT64_MAX, 1, 2), "generation: wraps");

	mk_tmp();
	path_of(entry, sizeof entry, tmp_root, "e1");
	make_report(rep, rd, 2);
	fake_entry(entry, "sev_guest\n", "3\n", 1, rep, ATTEST_REPORT_LEN, table, (long)tl);
	is_ok(attest_tsm_run(entry, rd, 2, NULL, &ev, err, sizeof err), "tsm: report from a fake entry");
	is_int(ev.report_len, ATTEST_REPORT_LEN, "tsm: 1184-byte report");
	is_mem(ev.report, rep, ATTEST_REPORT_LEN, "tsm: report bytes");
	is_int(ev.certs_len, tl, "tsm: certificate table length");
	is_mem(ev.certs, table, tl, "tsm: certificate table bytes");
	is_str(ev.provider, "configfs-tsm", "tsm: provider name");
	is_int(get(entry, "inblob", got, sizeof got), 64, "tsm: inblob written, 64 bytes");
	is_mem(got, rd, 64, "tsm: inblob is the REPORT_DATA");
	size_t n = get(entry, "privlevel", got, sizeof got);
	ok(n == 2 && memcmp(got, "2\n", 2) == 0, "tsm: privlevel written as \"2\\n\"");

	/* outblob longer than 1184: the first 1184 bytes are taken */
	memset(rep + ATTEST_REPORT_LEN, 0xEE, 100);
	path_of(entry, sizeof entry, tmp_root, "e2");
	fake_entry(entry, "sev_guest", "0", 0, rep, sizeof rep, NULL, -1);
	is_ok(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), "tsm: long outblob, no privlevel, vmpl 0");
	is_mem(ev.report, rep, ATTEST_REPORT_LEN, "tsm: first 1184 bytes of a long outblob");
	is_int(ev.certs_len, 0, "tsm: no auxblob means no certificates");
	is_int(attest_tsm_run(entry, rd, 1, NULL, &ev, err, sizeof err), -1, "tsm: vmpl 1 without privlevel refused");
	ok(has(err, "privlevel"), "tsm: says privlevel (%s)", err);

	path_of(entry, sizeof entry, tmp_root, "e3");
	fake_entry(entry, "sev_guest\n", "1\n", 1, rep, 1000, NULL, 0);
	is_int(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm: short outblob refused");
	ok(has(err, "1000"), "tsm: says how short (%s)", err);
	is_int(ev.report_len, 0, "tsm: no report left behind on error");

	path_of(entry, sizeof entry, tmp_root, "e4");
	fake_entry(entry, "tdx_guest\n", "1\n", 1, rep, ATTEST_REPORT_LEN, NULL, 0);
	is_int(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm: TDX provider refused");
	ok(has(err, "tdx_guest"), "tsm: names the provider (%s)", err);
	is_int(get(entry, "inblob", got, sizeof got), 0, "tsm: nothing written for a wrong provider");

	path_of(entry, sizeof entry, tmp_root, "e5");
	fake_entry(entry, "sev_guest\n", "x1\n", 1, rep, ATTEST_REPORT_LEN, NULL, 0);
	is_int(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm: garbage generation refused");
	ok(has(err, "generation"), "tsm: says generation (%s)", err);

	path_of(entry, sizeof entry, tmp_root, "e6");
	fake_entry(entry, "sev_guest\n", "1\n", 1, NULL, 0, NULL, -1);
	is_int(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm: missing outblob refused");
	ok(has(err, "outblob"), "tsm: says outblob (%s)", err);

	path_of(entry, sizeof entry, tmp_root, "e7");
	memset(table, 0x42, 48);
	fake_entry(entry, "sev_guest\n", "1\n", 1, rep, ATTEST_REPORT_LEN, table, 48);
	is_int(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm: malformed auxblob refused");
	ok(has(err, "auxblob"), "tsm: says auxblob (%s)", err);

	path_of(entry, sizeof entry, tmp_root, "e8");
	fake_entry(entry, "sev_guest\n", "1\n", 1, rep, ATTEST_REPORT_LEN, table, 0);
	is_int(attest_tsm_run(entry, rd, 0, NULL, &ev, err, sizeof err), 0, "tsm: empty auxblob fine");
	is_int(ev.certs_len, 0, "tsm: empty auxblob, no certificates");

	/* Whole provider against an empty root: our entry is made, found
	 * lacking (no provider attribute in a plain directory), and removed. */
	path_of(root, sizeof root, tmp_root, "root");
	mkdir(root, 0700);
	is_int(attest_tsm_get(root, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm get: plain directory is not configfs");
	ok(has(err, "provider"), "tsm get: fails at provider (%s)", err);
	is_int(count_entries(root), 0, "tsm get: entry removed on the error path");
	path_of(root, sizeof root, tmp_root, "missing");
	is_int(attest_tsm_get(root, rd, 0, NULL, &ev, err, sizeof err), -1, "tsm get: missing root");
	ok(has(err, "mkdir"), "tsm get: says mkdir (%s)", err);

	rm_rf(tmp_root);
}

/* The SVSM's service attestation through configfs-tsm: the service
 * attributes written with the right values, manifestblob read and bound to
 * REPORT_DATA, a too-big manifest refused, an old kernel named. */
static void fake_svsm_entry(const char *entry, const uint8_t *manifest, size_t man_len, uint32_t report_vmpl,
			    int tamper)
{
	static uint8_t rep[ATTEST_REPORT_LEN];
	uint8_t data[64];
	chan_binding_svsm(rd, manifest, man_len, data);
	if (tamper)
		data[63] ^= 0x80;
	make_report(rep, data, report_vmpl);
	fake_entry(entry, "sev_guest\n", "4\n", 1, rep, ATTEST_REPORT_LEN, NULL, -1);
	put(entry, "service_provider", "", 0);
	put(entry, "service_guid", "", 0);
	put(entry, "service_manifest_version", "", 0);
	put(entry, "manifestblob", manifest, man_len);
}

static void test_tsm_svsm(void)
{
	static uint8_t manifest[ATTEST_MANIFEST_MAX + 1], got[256];
	char entry[256];
	struct attest_service svc, all;
	memset(&svc, 0, sizeof svc);
	memset(&all, 0, sizeof all);
	snprintf(svc.guid, sizeof svc.guid, "%s", GUID_SVSM_VTPM);
	(void)guid_parse(GUID_SVSM_VTPM, svc.guid_bin);
	svc.manifest_version = 0;
	for (size_t i = 0; i < sizeof manifest; i++)
		manifest[i] = (uint8_t)(i * 7 + 3);

	mk_tmp();
	path_of(entry, sizeof entry, tmp_root, "s1");
	fake_svsm_entry(entry, manifest, 122, 0, 0);
	is_ok(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), "tsm svsm: service attestation from a fake entry");
	size_t n = get(entry, "service_provider", got, sizeof got);
	ok(n == 5 && memcmp(got, "svsm\n", 5) == 0, "tsm svsm: service_provider written as \"svsm\\n\"");
	n = get(entry, "service_guid", got, sizeof got);
	ok(n == GUID_TEXT_LEN && memcmp(got, GUID_SVSM_VTPM, GUID_TEXT_LEN) == 0, "tsm svsm: service_guid is the vTPM's");
	n = get(entry, "service_manifest_version", got, sizeof got);
	ok(n == 2 && memcmp(got, "0\n", 2) == 0, "tsm svsm: service_manifest_version written as \"0\\n\"");
	is_int(get(entry, "privlevel", got, sizeof got), 0, "tsm svsm: privlevel not written (the SVSM is at VMPL 0)");
	is_int(get(entry, "inblob", got, sizeof got), 64, "tsm svsm: the nonce is the 64-byte inblob");
	is_mem(got, rd, 64, "tsm svsm: inblob is the session binding");
	ok(ev.has_manifest && ev.manifest_len == 122, "tsm svsm: manifestblob read (%zu bytes)", ev.manifest_len);
	is_mem(ev.manifest, manifest, 122, "tsm svsm: manifest bytes");
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), 0, "tsm svsm: REPORT_DATA = SHA-512(nonce || manifest)");
	is_int(attest_check_report(&ev, rd, 0, NULL, err, sizeof err), -1, "check: a manifest nobody asked for refused");
	ok(has(err, "no service was asked for"), "check: says so (%s)", err);

	/* Every service (no GUID): only service_provider is written. */
	path_of(entry, sizeof entry, tmp_root, "s2");
	fake_svsm_entry(entry, manifest, 40, 0, 0);
	is_ok(attest_tsm_run(entry, rd, 0, &all, &ev, err, sizeof err), "tsm svsm: every service");
	is_int(get(entry, "service_guid", got, sizeof got), 0, "tsm svsm: no service_guid written for every service");

	/* The manifest the kernel hands over is not the one the report binds. */
	path_of(entry, sizeof entry, tmp_root, "s3");
	fake_svsm_entry(entry, manifest, 122, 0, 1);
	is_ok(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), "tsm svsm: read (the check comes after)");
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), -1,
	       "check: REPORT_DATA not SHA-512(nonce || manifest) refused");
	ok(has(err, "SHA-512(nonce || the 122-byte service manifest)"), "check: says why (%s)", err);

	/* A plain report (REPORT_DATA = nonce) is not the SVSM's. */
	path_of(entry, sizeof entry, tmp_root, "s4");
	fake_svsm_entry(entry, manifest, 122, 0, 0);
	{
		static uint8_t rep[ATTEST_REPORT_LEN];
		make_report(rep, rd, 0);
		put(entry, "outblob", rep, sizeof rep);
	}
	is_ok(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), "tsm svsm: plain report read");
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), -1, "check: a plain report is not the SVSM's");

	/* VMPL: the SVSM's report is at 0. */
	path_of(entry, sizeof entry, tmp_root, "s5");
	fake_svsm_entry(entry, manifest, 122, 2, 0);
	is_ok(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), "tsm svsm: VMPL-2 report read");
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), -1, "check: service report not at VMPL 0 refused");
	ok(has(err, "VMPL 2, expected 0"), "check: says VMPL (%s)", err);

	/* Too big: refused, not cut. */
	path_of(entry, sizeof entry, tmp_root, "s6");
	fake_svsm_entry(entry, manifest, ATTEST_MANIFEST_MAX + 1, 0, 0);
	is_int(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), -1, "tsm svsm: manifest over 8 KiB refused");
	ok(has(err, "larger than 8192"), "tsm svsm: says why (%s)", err);
	ok(!ev.has_manifest && ev.report_len == 0, "tsm svsm: nothing left behind");
	path_of(entry, sizeof entry, tmp_root, "s7");
	fake_svsm_entry(entry, manifest, ATTEST_MANIFEST_MAX, 0, 0);
	is_ok(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), "tsm svsm: an 8 KiB manifest is fine");

	/* An old kernel: no service_provider attribute. */
	path_of(entry, sizeof entry, tmp_root, "s8");
	fake_svsm_entry(entry, manifest, 122, 0, 0);
	char attr[512];
	path_of(attr, sizeof attr, entry, "service_provider");
	unlink(attr);
	is_int(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), -1, "tsm svsm: no service_provider refused");
	ok(has(err, "no service_provider attribute") && has(err, "6.10"), "tsm svsm: says old kernel (%s)", err);
	is_int(get(entry, "inblob", got, sizeof got), 0, "tsm svsm: nothing asked of the firmware instead");

	/* A kernel with service_provider but no manifestblob. */
	path_of(entry, sizeof entry, tmp_root, "s9");
	fake_svsm_entry(entry, manifest, 122, 0, 0);
	path_of(attr, sizeof attr, entry, "manifestblob");
	unlink(attr);
	is_int(attest_tsm_run(entry, rd, 0, &svc, &ev, err, sizeof err), -1, "tsm svsm: no manifestblob refused");
	ok(has(err, "manifestblob"), "tsm svsm: says manifestblob (%s)", err);

	/* Only configfs-tsm and sim reach the SVSM: never a fallback. */
	struct attest_env env;
	attest_env_default(&env);
	env.sev_guest_dev = "/nonexistent/sev-guest";
	is_int(attest_select(&env, ATTEST_AUTO, NULL, rd, 0, &svc, &ev, err, sizeof err), -1,
	       "select: service with auto refused");
	ok(has(err, "configfs-tsm or sim"), "select: says which providers (%s)", err);
	is_int(attest_select(&env, ATTEST_SEV_GUEST, NULL, rd, 0, &svc, &ev, err, sizeof err), -1,
	       "select: service with sev-guest refused");
	rm_rf(tmp_root);
}

/* ---- /dev/sev-guest ------------------------------------------------------- */

enum fake_mode { FK_OK, FK_NEED_MORE, FK_NO_EXT, FK_ALL_FAIL, FK_FW_STATUS, FK_TOO_BIG, FK_BAD_CERTS };

struct fake_dev {
	enum fake_mode mode;
	int ext_calls, plain_calls, bad_request;
	uint32_t last_certs_len;
	size_t table_len;
};

static void fill_resp(uint8_t *resp, const uint8_t *user_data, uint32_t vmpl, uint32_t status)
{
	memset(resp, 0, 4000);
	le32_store(resp, status);
	if (status == 0) {
		le32_store(resp + 4, ATTEST_REPORT_LEN);
		make_report(resp + 0x20, user_data, vmpl);
	}
}

/* Behaves like drivers/virt/coco/sev-guest for the cases under test. */
static int fake_ioctl(void *ctx, unsigned long request, void *arg)
{
	struct fake_dev *f = ctx;
	struct snp_guest_request_ioctl *io = arg;
	static uint8_t table[32768];
	if (io->msg_version != 1)
		f->bad_request = 1;
	if (request == SNP_GET_EXT_REPORT) {
		struct snp_ext_report_req *req = (struct snp_ext_report_req *)(uintptr_t)io->req_data;
		f->ext_calls++;
		f->last_certs_len = req->certs_len;
		if (req->certs_len % 4096 || memcmp(req->data.user_data, rd, 64) != 0)
			f->bad_request = 1;
		if (f->mode == FK_NO_EXT) {
			errno = ENOTTY;
			return -1;
		}
		if (f->mode == FK_ALL_FAIL) {
			io->exitinfo2 = 0xff;
			errno = EIO;
			return -1;
		}
		size_t need = f->mode == FK_NEED_MORE ? 8 * 4096 : f->mode == FK_TOO_BIG ? 16 * 4096 : 4096;
		if (req->certs_len < need) {
			io->exitinfo2 = (uint64_t)SNP_GUEST_VMM_ERR_INVALID_LEN << 32;
			req->certs_len = (uint32_t)need;
			errno = EIO;
			return -1;
		}
		f->table_len = make_table(table, sizeof table, f->mode == FK_NEED_MORE ? 20000 : 900);
		if (f->mode == FK_BAD_CERTS)
			memset(table, 0x33, 200);
		memcpy((void *)(uintptr_t)req->certs_address, table, req->certs_len);
		fill_resp((uint8_t *)(uintptr_t)io->resp_data, req->data.user_data, req->data.vmpl,
			  f->mode == FK_FW_STATUS ? 0x16 : 0);
		return 0;
	}
	if (request == SNP_GET_REPORT) {
		struct snp_report_req *req = (struct snp_report_req *)(uintptr_t)io->req_data;
		f->plain_calls++;
		if (f->mode == FK_ALL_FAIL) {
			errno = ENOTTY;
			return -1;
		}
		fill_resp((uint8_t *)(uintptr_t)io->resp_data, req->user_data, req->vmpl, 0);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static void test_sevguest(void)
{
	static uint8_t resp[4000];
	struct fake_dev f;

	fill_resp(resp, rd, 0, 0);
	is_int(attest_sevguest_parse_resp(resp, sizeof resp, &ev, err, sizeof err), 0, "resp: parsed");
	uint8_t want[ATTEST_REPORT_LEN];
	make_report(want, rd, 0);
	is_mem(ev.report, want, ATTEST_REPORT_LEN, "resp: report taken from 0x20");
	le32_store(resp + 4, 4000);
	is_int(attest_sevguest_parse_resp(resp, sizeof resp, &ev, err, sizeof err), -1,
	       "resp: report_size beyond the buffer refused");
	le32_store(resp + 4, 1183);
	is_int(attest_sevguest_parse_resp(resp, sizeof resp, &ev, err, sizeof err), -1, "resp: short report refused");
	le32_store(resp + 4, 3968);
	is_int(attest_sevguest_parse_resp(resp, sizeof resp, &ev, err, sizeof err), 0, "resp: longest report taken");
	fill_resp(resp, rd, 0, 0x16);
	is_int(attest_sevguest_parse_resp(resp, sizeof resp, &ev, err, sizeof err), -1, "resp: status refused");
	ok(has(err, "0x16") && has(err, "VMPL"), "resp: status explained (%s)", err);
	is_int(attest_sevguest_parse_resp(resp, 16, &ev, err, sizeof err), -1, "resp: runt refused");

	f = (struct fake_dev){.mode = FK_OK};
	is_int(attest_sevguest_exchange(fake_ioctl, &f, rd, 0, &ev, err, sizeof err), 0, "ioctl: extended report");
	ok(f.ext_calls == 1 && f.plain_calls == 0 && !f.bad_request, "ioctl: one well-formed extended request");
	is_int(f.last_certs_len, 4 * 4096, "ioctl: 4 pages offered first");
	is_int(ev.certs_len, f.table_len, "ioctl: certificate table trimmed to its size");
	is_str(ev.provider, "sev-guest", "ioctl: provider name");

	f = (struct fake_dev){.mode = FK_NEED_MORE};
	is_ok(attest_sevguest_exchange(fake_ioctl, &f, rd, 0, &ev, err, sizeof err),
	      "ioctl: invalid length, then the size asked for");
	ok(f.ext_calls == 2 && f.plain_calls == 0, "ioctl: retried once");
	is_int(f.last_certs_len, 8 * 4096, "ioctl: retry with the host's size");
	ok(ev.certs_len == f.table_len && ev.certs_len > 16384, "ioctl: the large table arrived (%zu)", ev.certs_len);

	f = (struct fake_dev){.mode = FK_TOO_BIG};
	is_int(attest_sevguest_exchange(fake_ioctl, &f, rd, 0, &ev, err, sizeof err), 0,
	       "ioctl: table larger than we hold: report without certificates");
	ok(f.ext_calls == 1 && f.plain_calls == 1 && ev.certs_len == 0, "ioctl: fell back to SNP_GET_REPORT");

	f = (struct fake_dev){.mode = FK_NO_EXT};
	is_int(attest_sevguest_exchange(fake_ioctl, &f, rd, 3, &ev, err, sizeof err), 0,
	       "ioctl: no extended request: plain report");
	ok(f.plain_calls == 1 && ev.certs_len == 0 && le32_load(ev.report + 0x30) == 3, "ioctl: plain report, VMPL 3");

	f = (struct fake_dev){.mode = FK_ALL_FAIL};
	is_int(attest_sevguest_exchange(fake_ioctl, &f, rd, 0, &ev, err, sizeof err), -1, "ioctl: both fail");
	ok(has(err, "SNP_GET_EXT_REPORT") && has(err, "SNP_GET_REPORT") && has(err, "0xff"),
	   "ioctl: both failures described (%s)", err);
	is_int(ev.report_len, 0, "ioctl: no report on failure");

	f = (struct fake_dev){.mode = FK_FW_STATUS};
	is_int(attest_sevguest_exchange(fake_ioctl, &f, rd, 0, &ev, err, sizeof err), -1,
	       "ioctl: firmware status refused");
	ok(f.plain_calls == 0 && has(err, "0x16"), "ioctl: no fallback after a firmware answer (%s)", err);

	f = (struct fake_dev){.mode = FK_BAD_CERTS};
	is_int(attest_sevguest_exchange(fake_ioctl, &f, rd, 0, &ev, err, sizeof err), -1,
	       "ioctl: malformed certificate table refused");
	ok(has(err, "certificate table"), "ioctl: says so (%s)", err);

	is_int(attest_sevguest_get("/nonexistent/sev-guest", rd, 0, &ev, err, sizeof err), -1, "dev: missing");
	ok(has(err, "open"), "dev: says open (%s)", err);
	char plain[64];
	snprintf(plain, sizeof plain, "/tmp/snpboot-attest-dev-%ld", (long)getpid());
	put("/", plain + 1, "x", 1);
	is_int(attest_sevguest_get(plain, rd, 0, &ev, err, sizeof err), -1, "dev: a plain file is no sev-guest");
	ok(has(err, "SNP_GET_EXT_REPORT") && has(err, "SNP_GET_REPORT"), "dev: both ioctls tried (%s)", err);
	unlink(plain);
}

/* ---- snp-sim -------------------------------------------------------------- */

enum sim_mode {
	SM_OK, SM_CHUNKED, SM_REFUSE, SM_HANGUP, SM_SILENT, SM_BAD_MAGIC, SM_WRONG_RD, SM_OVERSIZE,
	SM_SVSM,          /* the SVSM's answer: VMPL 0, REPORT_DATA = SHA-512(nonce || manifest) */
	SM_SVSM_TAMPERED, /* the same, but the manifest sent is not the one hashed */
	SM_SVSM_BIG,      /* a manifest length past the limit */
};
static const uint8_t sim_manifest[] = "\x00\x23\x00\x0b fake vTPM EK public area";
/* The service sim_pair asks for (NULL: none); the fake simulator checks it. */
static const struct attest_service *pair_svc;

static size_t build_response(uint8_t *out, enum sim_mode mode, const struct sim_request *req)
{
	static uint8_t table[SIM_CERTS_MAX];
	struct sim_response_header h = {0};
	size_t n = SIM_RESPONSE_HEADER_LEN;
	if (mode == SM_REFUSE) {
		const char msg[] = "VMPL 7 is out of range\x1b[2J";
		h.status = SIM_ERR_VMPL;
		h.msg_len = sizeof msg - 1;
		memcpy(out + n, msg, h.msg_len);
		n += h.msg_len;
	} else {
		uint8_t data[64];
		int svsm = mode == SM_SVSM || mode == SM_SVSM_TAMPERED || mode == SM_SVSM_BIG;
		memcpy(data, req->report_data, 64);
		if (mode == SM_WRONG_RD)
			data[0] ^= 0xFF;
		if (svsm)
			chan_binding_svsm(req->report_data, sim_manifest, sizeof sim_manifest, data);
		h.report_len = SIM_REPORT_LEN;
		make_report(out + n, data, svsm ? 0 : req->vmpl);
		n += SIM_REPORT_LEN;
		h.certs_len = (uint32_t)make_table(table, sizeof table, 3000);
		memcpy(out + n, table, h.certs_len);
		n += h.certs_len;
		if (svsm) {
			h.manifest_len = sizeof sim_manifest;
			memcpy(out + n, sim_manifest, sizeof sim_manifest);
			if (mode == SM_SVSM_TAMPERED)
				out[n + 5] ^= 0x01;
			n += sizeof sim_manifest;
		}
		static const uint8_t note[2] = {'o', 'k'};
		h.msg_len = sizeof note;
		memcpy(out + n, note, sizeof note);
		n += sizeof note;
	}
	sim_response_header_encode(out, &h);
	if (mode == SM_BAD_MAGIC)
		out[0] = 'X';
	if (mode == SM_OVERSIZE)
		le32_store(out + 12, SIM_CERTS_MAX + 1);
	if (mode == SM_SVSM_BIG)
		le32_store(out + 16, SIM_MANIFEST_MAX + 1);
	return n;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The fake simulator: reads one request, answers per mode, then waits for
 * the guest side to close (a pty master must stay open until the guest
 * has read everything). Exit status 0 if the request was well-formed. */
static void fake_sim(int fd, enum sim_mode mode, uint32_t want_vmpl)
{
	static uint8_t out[SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + SIM_CERTS_MAX + SIM_MANIFEST_MAX + SIM_MSG_MAX];
	uint8_t req_buf[SIM_REQUEST_LEN], junk[256];
	struct sim_request req;
	const char *why;
	size_t got = 0;
	int status = 0;
	while (got < sizeof req_buf) {
		ssize_t r = read(fd, req_buf + got, sizeof req_buf - got);
		if (r <= 0)
			_exit(3);
		got += (size_t)r;
	}
	if (sim_request_decode(&req, req_buf, &why) != 0 || req.vmpl != want_vmpl ||
	    memcmp(req.report_data, rd, 64) != 0)
		status = 2;
	/* A service request must say so, with the GUID and version asked for. */
	if (pair_svc && (req.service != SIM_SERVICE_SVSM || memcmp(req.service_guid, pair_svc->guid_bin, 16) != 0 ||
			 req.manifest_version != pair_svc->manifest_version))
		status = 5;
	if (!pair_svc && req.service != SIM_SERVICE_NONE)
		status = 6;
	size_t n = build_response(out, mode, &req);
	if (mode == SM_HANGUP)
		n = SIM_RESPONSE_HEADER_LEN + 100;
	if (mode == SM_CHUNKED) {
		for (size_t off = 0; off < n; off += 997) {
			size_t len = n - off < 997 ? n - off : 997;
			if (write_full(fd, out + off, len) != 0)
				_exit(4);
			struct timespec ts = {0, 2000000};
			nanosleep(&ts, NULL);
		}
	} else if (mode != SM_SILENT && write_full(fd, out, n) != 0) {
		_exit(4);
	}
	if (mode == SM_HANGUP)
		_exit(status);
	while (read(fd, junk, sizeof junk) > 0)
		;
	_exit(status);
}

static int reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* One exchange over a socketpair against the fake in mode. */
static int sim_pair(enum sim_mode mode, uint32_t vmpl, uint32_t timeout_ms, int stale, int *child_status)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		printf("Bail out! socketpair: %s\n", strerror(errno));
		exit(1);
	}
	if (stale) {
		/* bytes from an earlier exchange, already waiting for us */
		static const uint8_t old[40] = "SNPR stale answer to an old request";
		if (write(sv[1], old, sizeof old) != (ssize_t)sizeof old)
			exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		fake_sim(sv[1], mode, vmpl);
	}
	close(sv[1]);
	int rc = attest_sim_exchange(sv[0], rd, vmpl, pair_svc, timeout_ms, &ev, err, sizeof err);
	close(sv[0]);
	*child_status = reap(pid);
	return rc;
}

static void test_sim_parse(void)
{
	static uint8_t buf[SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + SIM_CERTS_MAX + SIM_MANIFEST_MAX + SIM_MSG_MAX];
	struct sim_request req = {.vmpl = 1};
	memcpy(req.report_data, rd, 64);
	size_t n = build_response(buf, SM_OK, &req);
	is_ok(attest_sim_parse(buf, n, &ev, err, sizeof err), "sim parse: ok");
	ok(ev.report_len == ATTEST_REPORT_LEN && ev.certs_len > 0, "sim parse: report and certificates");
	is_str(ev.provider, "sim", "sim parse: provider name");
	is_int(attest_sim_parse(buf, n - 1, &ev, err, sizeof err), -1, "sim parse: short body refused");
	is_int(attest_sim_parse(buf, n + 1, &ev, err, sizeof err), -1, "sim parse: trailing byte refused");
	is_int(attest_sim_parse(buf, 10, &ev, err, sizeof err), -1, "sim parse: runt refused");
	n = build_response(buf, SM_REFUSE, &req);
	is_int(attest_sim_parse(buf, n, &ev, err, sizeof err), -1, "sim parse: refusal");
	ok(has(err, "VMPL 7 is out of range?[2J") && has(err, "status 2"), "sim parse: message sanitised (%s)", err);
	n = build_response(buf, SM_BAD_MAGIC, &req);
	is_int(attest_sim_parse(buf, n, &ev, err, sizeof err), -1, "sim parse: bad magic");
	ok(has(err, "SNPR"), "sim parse: says magic (%s)", err);
	n = build_response(buf, SM_OK, &req);
	memset(buf + SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN, 0x77, 48);
	is_int(attest_sim_parse(buf, n, &ev, err, sizeof err), -1, "sim parse: broken certificate table refused");
}

static void test_sim_exchange(void)
{
	int cs;
	is_ok(sim_pair(SM_OK, 1, 5000, 1, &cs), "sim: exchange after draining stale bytes");
	is_int(cs, 0, "sim: the simulator got a well-formed request");
	uint8_t want[ATTEST_REPORT_LEN];
	make_report(want, rd, 1);
	is_mem(ev.report, want, ATTEST_REPORT_LEN, "sim: report bytes");
	is_int(attest_check_report(&ev, rd, 1, NULL, err, sizeof err), 0, "sim: report answers our request");

	is_ok(sim_pair(SM_CHUNKED, 0, 5000, 0, &cs), "sim: response in small pieces");
	ok(ev.certs_len > 0, "sim: certificates from pieces");

	is_int(sim_pair(SM_REFUSE, 0, 5000, 0, &cs), -1, "sim: refusal");
	ok(has(err, "out of range"), "sim: simulator's message passed on (%s)", err);

	is_int(sim_pair(SM_HANGUP, 0, 5000, 0, &cs), -1, "sim: hang-up mid-response");
	ok(has(err, "hung up"), "sim: says hung up (%s)", err);

	uint64_t t0 = boottime_ms();
	is_int(sim_pair(SM_SILENT, 0, 300, 0, &cs), -1, "sim: silent simulator");
	uint64_t dt = boottime_ms() - t0;
	ok(has(err, "in time"), "sim: says timeout (%s)", err);
	ok(dt >= 250 && dt < 3000, "sim: gave up after the deadline (%llu ms)", (unsigned long long)dt);

	is_int(sim_pair(SM_BAD_MAGIC, 0, 5000, 0, &cs), -1, "sim: bad magic");
	is_int(sim_pair(SM_OVERSIZE, 0, 5000, 0, &cs), -1, "sim: oversized certificate length refused early");
	ok(has(err, "32 KiB"), "sim: says why (%s)", err);

	/* The simulated SVSM: the service fields go out, the manifest comes
	 * back, and it must be the one REPORT_DATA binds. */
	struct attest_service svc;
	memset(&svc, 0, sizeof svc);
	snprintf(svc.guid, sizeof svc.guid, "%s", GUID_SVSM_VTPM);
	(void)guid_parse(GUID_SVSM_VTPM, svc.guid_bin);
	pair_svc = &svc;
	is_ok(sim_pair(SM_SVSM, 0, 5000, 0, &cs), "sim svsm: service exchange");
	is_int(cs, 0, "sim svsm: the simulator got the service, GUID and version");
	ok(ev.has_manifest && ev.manifest_len == sizeof sim_manifest, "sim svsm: manifest received (%zu bytes)",
	   ev.manifest_len);
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), 0, "sim svsm: REPORT_DATA binds nonce and manifest");
	is_ok(sim_pair(SM_SVSM_TAMPERED, 0, 5000, 0, &cs), "sim svsm: tampered manifest received");
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), -1, "sim svsm: tampered manifest refused");
	is_int(sim_pair(SM_SVSM_BIG, 0, 5000, 0, &cs), -1, "sim svsm: oversized manifest length refused early");
	ok(has(err, "8 KiB"), "sim svsm: says why (%s)", err);
	is_ok(sim_pair(SM_OK, 0, 5000, 0, &cs), "sim svsm: a plain report for a service request");
	is_int(attest_check_report(&ev, rd, 0, &svc, err, sizeof err), -1, "sim svsm: a plain report is not the SVSM's");
	pair_svc = NULL;
	is_ok(sim_pair(SM_SVSM, 0, 5000, 0, &cs), "sim: a manifest nobody asked for is received");
	is_int(attest_check_report(&ev, rd, 0, NULL, err, sizeof err), -1, "sim: and refused by the check");
}

/* A pty stands in for /dev/vportNpM: byte stream, poll, O_RDWR open by path. */
static int open_pty(int *master, char *slave, size_t len, int *slave_fd)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, slave, len) != 0)
		return -1;
	int s = open(slave, O_RDWR | O_NOCTTY);
	struct termios t;
	if (s < 0 || tcgetattr(s, &t) != 0)
		return -1;
	cfmakeraw(&t);
	if (tcsetattr(s, TCSANOW, &t) != 0)
		return -1;
	/* The caller keeps the slave open until the provider has used the port:
	 * with no slave open, a read on the master fails with EIO, and the fake
	 * simulator could read before the provider opened the port (seen in CI
	 * as a silent simulator). */
	*slave_fd = s;
	*master = m;
	return 0;
}

static void fake_ports(const char *cls, const char *dev, const char *node, const char *name)
{
	char d[512];
	mkdir(cls, 0700);
	mkdir(dev, 0700);
	path_of(d, sizeof d, cls, "vport0p1");
	mkdir(d, 0700);
	puts_file(d, "name", "org.qemu.guest_agent.0\n");
	path_of(d, sizeof d, cls, node);
	mkdir(d, 0700);
	puts_file(d, "name", name);
	path_of(d, sizeof d, cls, "..sneaky");
	mkdir(d, 0700);
	puts_file(d, "name", name);
}

static void test_sim_port(void)
{
	char cls[256], dev[256], node[64], link[512], slave[128];
	struct attest_env env;
	int master, cs;

	mk_tmp();
	path_of(cls, sizeof cls, tmp_root, "virtio-ports");
	path_of(dev, sizeof dev, tmp_root, "dev");
	is_int(attest_sim_find_port(cls, "org.snpboot.sim", node, sizeof node), 0, "port: no class directory yet");
	fake_ports(cls, dev, "vport1p3", "org.snpboot.sim\n");
	is_int(attest_sim_find_port(cls, "org.snpboot.sim", node, sizeof node), 1, "port: found by name");
	is_str(node, "vport1p3", "port: node name");
	is_int(attest_sim_find_port(cls, "org.snpboot", node, sizeof node), 0, "port: prefix is no match");

	attest_env_default(&env);
	env.vport_class = cls;
	env.dev_dir = dev;
	env.sim_port_wait_ms = 200;
	/* Generous: these cases check what is refused, not timing, and CI runs
	 * them beside QEMU and a parallel build (5 s once ran out there). */
	env.sim_timeout_ms = 20000;
	uint64_t t0 = boottime_ms();
	is_int(attest_sim_get(&env, "org.snpboot.sim", rd, 0, NULL, &ev, err, sizeof err), -1, "port: node never appears");
	ok(has(err, "vport1p3") && boottime_ms() - t0 >= 150, "port: waited, then named the node (%s)", err);
	is_int(attest_sim_get(&env, "no.such.port", rd, 0, NULL, &ev, err, sizeof err), -1, "port: unknown name");
	ok(has(err, "no.such.port"), "port: names the port (%s)", err);
	is_int(attest_sim_get(&env, "", rd, 0, NULL, &ev, err, sizeof err), -1, "port: empty name refused");

	/* Both ptys are made up front: a pts number freed by closing the first
	 * and reused at once can race with the old instance's teardown when the
	 * provider opens it by path (seen once in CI as a silent port). */
	int master2, held, held2;
	char slave2[128];
	if (open_pty(&master, slave, sizeof slave, &held) != 0 ||
	    open_pty(&master2, slave2, sizeof slave2, &held2) != 0) {
		ok(1, "# SKIP no pty available: %s", strerror(errno));
		rm_rf(tmp_root);
		return;
	}
	path_of(link, sizeof link, dev, "vport1p3");
	if (symlink(slave, link) != 0) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* The child must not hold a slave: its final drain ends on EIO. */
		close(held);
		close(held2);
		close(master2);
		fake_sim(master, SM_OK, 2);
	}
	is_ok(attest_select(&env, ATTEST_SIM, "org.snpboot.sim", rd, 2, NULL, &ev, err, sizeof err),
	      "select sim: report through the port");
	close(held);
	close(master);
	is_int(reap(pid), 0, "select sim: simulator saw a well-formed request");
	is_str(ev.provider, "sim", "select sim: provider");
	ok(ev.certs_len > 0, "select sim: certificates");

	/* A report for other REPORT_DATA (stale) is caught by the selection. */
	master = master2;
	if (unlink(link) != 0 || symlink(slave2, link) != 0) {
		printf("Bail out! second pty\n");
		exit(1);
	}
	pid = fork();
	if (pid == 0) {
		close(held2);
		fake_sim(master, SM_WRONG_RD, 0);
	}
	is_int(attest_select(&env, ATTEST_SIM, "org.snpboot.sim", rd, 0, NULL, &ev, err, sizeof err), -1,
	       "select sim: foreign report refused");
	close(held2);
	close(master);
	cs = reap(pid);
	ok(has(err, "stale") && ev.report_len == 0, "select sim: says stale, keeps nothing (%s; simulator exit %d)", err,
	   cs);

	/* auto never uses the simulator, even with a working port present. */
	env.tsm_root = "/nonexistent/tsm/report";
	env.sev_guest_dev = "/nonexistent/sev-guest";
	is_int(attest_select(&env, ATTEST_AUTO, "org.snpboot.sim", rd, 0, NULL, &ev, err, sizeof err), -1,
	       "select auto: no hardware, no report");
	ok(has(err, "configfs-tsm") && has(err, "sev-guest") && !has(err, "sim:"), "select auto: names both tried (%s)",
	   err);
	char tsm[256];
	path_of(tsm, sizeof tsm, tmp_root, "tsm");
	mkdir(tsm, 0700);
	env.tsm_root = tsm;
	is_int(attest_select(&env, ATTEST_AUTO, "org.snpboot.sim", rd, 0, NULL, &ev, err, sizeof err), -1,
	       "select auto: tsm present but broken, then sev-guest");
	ok(has(err, "provider") && has(err, "open /nonexistent/sev-guest"), "select auto: both reasons (%s)", err);
	is_int(count_entries(tsm), 0, "select auto: tsm entry cleaned up");
	is_int(attest_select(&env, ATTEST_CONFIGFS_TSM, NULL, rd, 0, NULL, &ev, err, sizeof err), -1,
	       "select configfs-tsm: only itself");
	ok(!has(err, "sev-guest"), "select configfs-tsm: no other provider tried (%s)", err);
	is_int(attest_select(&env, ATTEST_SEV_GUEST, NULL, rd, 0, NULL, &ev, err, sizeof err), -1,
	       "select sev-guest: only itself");
	ok(!has(err, "configfs"), "select sev-guest: no other provider tried (%s)", err);
	is_int(attest_select(&env, ATTEST_SEV_GUEST, NULL, rd, 4, NULL, &ev, err, sizeof err), -1, "select: VMPL 4 refused");
	is_int(attest_select(&env, (enum attest_provider)77, NULL, rd, 0, NULL, &ev, err, sizeof err), -1,
	       "select: unknown provider refused");

	rm_rf(tmp_root);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	load_report();
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(0xC0 ^ i);
	test_checks();
	test_tsm();
	test_tsm_svsm();
	test_sevguest();
	test_sim_parse();
	test_sim_exchange();
	test_sim_port();
	return done_testing();
}
