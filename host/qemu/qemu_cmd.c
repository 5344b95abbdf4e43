/* launch-qemu's command-line builder (qemu_cmd.h). Property names and
 * encodings are QEMU's (9.1+) sev-snp-guest object: policy is a uint64,
 * id-block, id-auth and host-data are base64, kernel-hashes=on makes QEMU
 * put the kernel, initrd and command line hashes into the page OVMF
 * measures. An [svsm] launch uses COCONUT-SVSM's QEMU launch protocol
 * (svsm=on and the firmware as three pflash units), which upstream QEMU
 * does not have: it needs COCONUT's QEMU. */
#include "qemu_cmd.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "bootcfg/bootcfg.h"

static void push(struct qemu_cmd *c, int group, const char *s)
{
	if (c->oom)
		return;
	if (c->argc + 2 > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		char **v = realloc(c->argv, cap * sizeof *v);
		if (v)
			c->argv = v;
		unsigned char *g = v ? realloc(c->group, cap) : NULL;
		if (!v || !g) {
			c->oom = 1;
			return;
		}
		c->group = g;
		c->cap = cap;
	}
	char *copy = strdup(s);
	if (!copy) {
		c->oom = 1;
		return;
	}
	c->group[c->argc] = (unsigned char)group;
	c->argv[c->argc++] = copy;
	c->argv[c->argc] = NULL;
}

/* An option and its value: one printed line. */
static void opt(struct qemu_cmd *c, const char *name, const char *value)
{
	push(c, 1, name);
	if (value)
		push(c, 0, value);
}

static void optf(struct qemu_cmd *c, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void optf(struct qemu_cmd *c, const char *name, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->oom = 1;
		return;
	}
	opt(c, name, s);
	free(s);
}

char *qemu_opt_escape(const char *s)
{
	size_t n = strlen(s), commas = 0;
	for (size_t i = 0; i < n; i++)
		commas += s[i] == ',';
	char *out = malloc(n + commas + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		*p++ = s[i];
		if (s[i] == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

/* -object sev-snp-guest: what the AMD Secure Processor is told at launch. */
static void snp_object(struct qemu_cmd *c, const struct vmdef *d, const struct qemu_cmd_opts *o)
{
	char *s = NULL;
	size_t len;
	FILE *m = open_memstream(&s, &len);
	if (!m) {
		c->oom = 1;
		return;
	}
	fprintf(m, "sev-snp-guest,id=sev0,cbitpos=%u,reduced-phys-bits=%u,policy=0x%llx", d->launch.cbitpos,
		d->launch.reduced_phys_bits, (unsigned long long)d->guest_policy);
	if (d->kernel[0])
		fputs(",kernel-hashes=on", m);
	if (d->has_svsm) /* COCONUT-SVSM's launch protocol: the SVSM image is pflash unit 2 */
		fputs(",svsm=on", m);
	if (o->id_block_b64 && o->id_auth_b64)
		fprintf(m, ",id-block=%s,id-auth=%s,author-key-enabled=%s", o->id_block_b64, o->id_auth_b64,
			d->launch.author_key_enabled ? "on" : "off");
	if (d->has_host_data) {
		char b64[64];
		base64_encode(b64, d->host_data, sizeof d->host_data);
		fprintf(m, ",host-data=%s", b64);
	}
	if (fclose(m) != 0) {
		c->oom = 1;
		return;
	}
	opt(c, "-object", s);
	free(s);
}

/* User networking; in connect mode the client's port reaches the guest's listener. */
static int network(struct qemu_cmd *c, const struct vmdef *d, int sim, char *err, size_t err_len)
{
	if (d->launch.network == VMDEF_NETWORK_NONE)
		return 0;
	if (d->channel_mode == VMDEF_CHANNEL_CONNECT) {
		struct in_addr a;
		if (inet_pton(AF_INET, d->host, &a) != 1)
			return err_set(err, err_len,
				       "%s: 'channel.address' host '%s' is not an IPv4 address, so user networking cannot "
				       "forward it to the guest; use an IPv4 address, or launch.network = \"none\" and "
				       "your own NIC in launch.extra_args",
				       d->file, d->host);
		optf(c, "-netdev", "user,id=n0,hostfwd=tcp:%s:%u-:%u", d->host, d->port, d->launch.guest_port);
	} else {
		/* listen: the guest dials the client; slirp's 10.0.2.2 is this host. */
		opt(c, "-netdev", "user,id=n0");
	}
	/* Under SNP, virtio must go through the DMA API (bounce buffers in shared memory). */
	opt(c, "-device", sim ? "virtio-net-pci,netdev=n0" : "virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,romfile=");
	return 0;
}

static void disk(struct qemu_cmd *c, const struct vmdef *d, int sim)
{
	if (!d->launch.disk[0])
		return;
	char *file = qemu_opt_escape(d->launch.disk);
	if (!file) {
		c->oom = 1;
		return;
	}
	optf(c, "-drive", "file=%s,if=none,id=disk0,format=%s%s", file, d->launch.disk_format,
	     d->launch.disk_snapshot ? ",snapshot=on" : "");
	free(file);
	opt(c, "-device", sim ? "virtio-blk-pci,drive=disk0" : "virtio-blk-pci,drive=disk0,disable-legacy=on,iommu_platform=on");
}

/* The VM's initdata, by fw_cfg, under SNP and under --sim alike: the
 * guest reads it the same way and checks it against HOST_DATA (host-data=
 * in the sev-snp-guest object, or snp-sim's reports). */
static void initdata(struct qemu_cmd *c, const struct vmdef *d)
{
	if (!d->initdata[0])
		return;
	char *file = qemu_opt_escape(d->initdata);
	if (!file) {
		c->oom = 1;
		return;
	}
	optf(c, "-fw_cfg", "name=" BOOTCFG_INITDATA_FW_CFG_NAME ",file=%s", file);
	free(file);
}

/* An SVSM launch takes the firmware as three flash devices, in the layout
 * the measurement assumes (measure_svsm.h): OVMF code at the top, its vars
 * below, the SVSM below those. */
static void svsm_flash(struct qemu_cmd *c, const struct vmdef *d)
{
	char *code = qemu_opt_escape(d->ovmf), *vars = qemu_opt_escape(d->svsm.ovmf_vars),
	     *svsm = qemu_opt_escape(d->svsm.image);
	if (!code || !vars || !svsm)
		c->oom = 1;
	else {
		optf(c, "-drive", "if=pflash,format=raw,unit=0,file=%s,readonly=on", code);
		optf(c, "-drive", "if=pflash,format=raw,unit=1,file=%s", vars);
		optf(c, "-drive", "if=pflash,format=raw,unit=2,file=%s,readonly=on", svsm);
	}
	free(code);
	free(vars);
	free(svsm);
}

/* What an SVSM launch cannot do; 0, or -1 with the fix in err. */
static int svsm_launchable(const struct vmdef *d, char *err, size_t err_len)
{
	if (d->kernel[0])
		return err_set(err, err_len,
			       "%s: [boot] kernel with [svsm]: QEMU measures no kernel hashes for an SVSM launch, so the "
			       "first stage would run unmeasured; boot from the firmware or the disk instead",
			       d->file);
	if (!d->svsm.ovmf_vars[0])
		return err_set(err, err_len,
			       "%s: [svsm] names no ovmf_vars: QEMU needs the vars file itself (pflash unit 1), not "
			       "only its size",
			       d->file);
	return 0;
}

int qemu_cmd_build(struct qemu_cmd *c, const struct vmdef *d, const struct qemu_cmd_opts *o, char *err,
		   size_t err_len)
{
	memset(c, 0, sizeof *c);
	if (!o->sim && d->has_svsm && svsm_launchable(d, err, err_len) != 0)
		return -1;
	if (!o->sim && d->vmm != MEASURE_VMM_QEMU)
		return err_set(err, err_len, "%s: 'vm.vmm_type' is \"%s\": QEMU would launch a guest with another "
					     "MEASUREMENT than the client expects",
			       d->file, measure_vmm_name(d->vmm));
	if (!o->sim && !d->ovmf[0])
		return err_set(err, err_len, "%s: an SNP launch needs [firmware] ovmf (the AmdSev OVMF, -bios)", d->file);
	if (o->sim && !o->sim_socket)
		return err_set(err, err_len, "internal: no snp-sim socket");

	push(c, 0, d->launch.qemu);
	if (o->sim) {
		/* TCG cannot run SNP: the guest boots through SeaBIOS (the AmdSev OVMF boots no
		 * non-SEV guest); snp-sim still measures the definition's OVMF. */
		opt(c, "-machine", "q35");
		opt(c, "-accel", "tcg");
		opt(c, "-cpu", "max");
	} else {
		opt(c, "-machine", "q35,confidential-guest-support=sev0,memory-backend=ram1,vmport=off");
		opt(c, "-accel", "kvm");
		opt(c, "-cpu", d->vcpu_type);
		optf(c, "-object", "memory-backend-memfd,id=ram1,size=%lluM,share=true,prealloc=false",
		     (unsigned long long)d->memory_mib);
		snp_object(c, d, o);
		if (d->has_svsm)
			svsm_flash(c, d);
		else
			opt(c, "-bios", d->ovmf);
	}
	optf(c, "-smp", "%u", d->vcpus);
	optf(c, "-m", "%lluM", (unsigned long long)d->memory_mib);
	if (d->kernel[0])
		opt(c, "-kernel", d->kernel);
	if (d->initrd[0])
		opt(c, "-initrd", d->initrd);
	if (d->has_append)
		opt(c, "-append", d->append);
	opt(c, "-display", "none");
	opt(c, "-monitor", "none");
	opt(c, "-no-reboot", NULL);
	const char *console = o->console ? o->console : d->launch.console[0] ? d->launch.console : NULL;
	if (console)
		optf(c, "-serial", "file:%s", console);
	else
		opt(c, "-serial", "stdio");
	if (network(c, d, o->sim, err, err_len)) {
		qemu_cmd_free(c);
		return -1;
	}
	disk(c, d, o->sim);
	initdata(c, d);
	if (o->sim) {
		char *sock = qemu_opt_escape(o->sim_socket);
		if (!sock)
			c->oom = 1;
		else /* reconnect: snp-sim drops a connection that sends a broken request */
			optf(c, "-chardev", "socket,id=snpsim,path=%s,%s", sock,
			     o->qemu_version >= QEMU_VERSION(9, 2) ? "reconnect-ms=1000" : "reconnect=1");
		free(sock);
		opt(c, "-device", "virtio-serial-pci");
		opt(c, "-device", "virtserialport,chardev=snpsim,name=" QEMU_SIM_PORT_NAME);
	}
	const char *a = d->launch.extra_args;
	for (unsigned i = 0; i < d->launch.n_extra_args; i++, a += strlen(a) + 1)
		push(c, a[0] == '-', a);
	if (c->oom) {
		qemu_cmd_free(c);
		return err_set(err, err_len, "out of memory");
	}
	return 0;
}

void qemu_cmd_free(struct qemu_cmd *c)
{
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->group);
	memset(c, 0, sizeof *c);
}

void shell_quote_print(FILE *out, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
	if (s[0] && strspn(s, safe) == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

void qemu_cmd_print(FILE *out, const struct qemu_cmd *c)
{
	for (size_t i = 0; i < c->argc; i++) {
		if (i > 0)
			fputs(c->group[i] ? " \\\n    " : " ", out);
		shell_quote_print(out, c->argv[i]);
	}
	fputc('\n', out);
}

unsigned qemu_parse_version(const char *text)
{
	static const char tag[] = "QEMU emulator version ";
	const char *p = strstr(text, tag);
	unsigned major, minor;
	if (!p || sscanf(p + sizeof tag - 1, "%u.%u", &major, &minor) != 2 || major > 1000 || minor > 999)
		return 0;
	return QEMU_VERSION(major, minor);
}

char *qemu_read_base64_file(const char *path, size_t min, size_t max, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		err_set(err, err_len, "%s: cannot open", path);
		return NULL;
	}
	size_t cap = base64_encoded_len(max) + 64;
	char *text = malloc(cap);
	uint8_t *raw = malloc(max + 3);
	size_t n = text ? fread(text, 1, cap - 1, f) : 0;
	fclose(f);
	if (!text || !raw) {
		free(text);
		free(raw);
		err_set(err, err_len, "out of memory");
		return NULL;
	}
	size_t start = 0;
	while (start < n && (text[start] == ' ' || text[start] == '\n' || text[start] == '\r' || text[start] == '\t'))
		start++;
	while (n > start && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '\t'))
		n--;
	memmove(text, text + start, n - start);
	n -= start;
	text[n] = '\0';
	long got = base64_decode(raw, max + 3, text, n);
	free(raw);
	if (got < (long)min || got > (long)max) {
		free(text);
		err_set(err, err_len, "%s: not base64 of %zu..%zu bytes", path, min, max);
		return NULL;
	}
	return text;
}
