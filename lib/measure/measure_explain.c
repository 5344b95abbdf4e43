/* Single-change explanations of a MEASUREMENT mismatch (measure_explain.h). */
#include "measure_explain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bearssl.h>

#include "measure_err.h"

#define APPEND_WORK_MAX 4400 /* a definition's append (4 KiB) plus a common word */
#define MAX_WORDS 64

struct ctx {
	const struct measure_explain_input *in;
	struct measure_params base;      /* the definition, seeded with the OVMF hash */
	struct measure_kernel_hashes kh; /* scratch copy of the kernel hashes */
	const uint8_t *target;
	struct measure_explain *x;
};

static void add_checked(struct measure_explain *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_checked(struct measure_explain *x, const char *fmt, ...)
{
	size_t used = strlen(x->checked);
	if (used + 3 >= sizeof x->checked)
		return;
	if (used) {
		memcpy(x->checked + used, ", ", 3);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->checked + used, sizeof x->checked - used, fmt, ap);
	va_end(ap);
}

static int is_target(const struct ctx *c, const uint8_t d[MEASURE_DIGEST_LEN])
{
	return memcmp(d, c->target, MEASURE_DIGEST_LEN) == 0;
}

static void vrecord(struct ctx *c, const char *fmt, va_list ap)
{
	struct measure_explain *x = c->x;
	if (x->n_found < MEASURE_EXPLAIN_MAX_FOUND)
		vsnprintf(x->found[x->n_found++], sizeof x->found[0], fmt, ap);
}

static void record(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vrecord(c, fmt, ap);
	va_end(ap);
}

/* Computes the digest of p; if it is the target, records the change that
 * fmt describes (formatted only then: most candidates do not match). */
static int vtry(struct ctx *c, const struct measure_params *p, const char *fmt, va_list ap)
{
	struct measure_result r;
	char err[MEASURE_ERR_LEN];
	c->x->tried++;
	/* A change the firmware could not launch (e.g. APs without an AP
	 * entry point) explains nothing. */
	if (measure_launch_digest(&r, p, err, sizeof err) != 0 || !is_target(c, r.digest))
		return 0;
	vrecord(c, fmt, ap);
	return 1;
}

static int try_params(struct ctx *c, const struct measure_params *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int try_params(struct ctx *c, const struct measure_params *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int hit = vtry(c, p, fmt, ap);
	va_end(ap);
	return hit;
}

const char *measure_feature_name(unsigned bit)
{
	/* SEV_FEATURES of the VMSA (AMD APM vol. 2, "SEV_FEATURES"). */
	static const char *const names[] = {"SNPActive", "vTOM", "ReflectVC", "RestrictedInjection",
					    "AlternateInjection", "DebugSwap", "PreventHostIBS", "BTBIsolation",
					    NULL, "SecureTSC"};
	return bit < sizeof names / sizeof names[0] ? names[bit] : NULL;
}

static void try_features(struct ctx *c)
{
	static const uint64_t common[] = {0x1, 0x21, 0x201, 0x221};
	uint64_t def = c->base.guest_features, values[16 + sizeof common / sizeof common[0]];
	size_t n = 0;
	for (unsigned bit = 1; bit < 16; bit++)
		values[n++] = def ^ (1ull << bit);
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
		int seen = common[i] == def;
		for (size_t j = 0; j < n && !seen; j++)
			seen = values[j] == common[i];
		if (!seen)
			values[n++] = common[i];
	}
	for (size_t i = 0; i < n; i++) {
		struct measure_params p = c->base;
		p.guest_features = values[i];
		uint64_t diff = values[i] ^ def;
		char why[96] = "";
		if ((diff & (diff - 1)) == 0) {
			unsigned bit = (unsigned)__builtin_ctzll(diff);
			const char *name = measure_feature_name(bit);
			snprintf(why, sizeof why, ": the host turned %s%sbit %u %s", name ? name : "", name ? ", " : "",
				 bit, values[i] & diff ? "on" : "off");
		}
		try_params(c, &p, "guest_features = 0x%llx (definition says 0x%llx%s)", (unsigned long long)values[i],
			   (unsigned long long)def, why);
	}
	add_checked(c->x, "guest_features (%zu values: each of bits 1-15 flipped, 0x1, 0x21, 0x201, 0x221)", n);
}

/* Every count from 1 up: the APs' VMSA pages are the last records, so one
 * digest per count is a single extra record on the previous one. */
static void try_vcpus(struct ctx *c)
{
	uint32_t def = c->base.vcpus;
	uint32_t max = def > MEASURE_EXPLAIN_MIN_VCPU_RANGE / 2 ? 2 * def : MEASURE_EXPLAIN_MIN_VCPU_RANGE;
	if (max > MEASURE_MAX_VCPUS)
		max = MEASURE_MAX_VCPUS;
	struct measure_params p = c->base;
	p.vcpus = 1;
	struct measure_result r;
	char err[MEASURE_ERR_LEN];
	struct ovmf_info info;
	if (measure_launch_digest(&r, &p, err, sizeof err) != 0 ||
	    ovmf_parse(&info, p.ovmf, p.ovmf_len, err, sizeof err) != 0)
		return;
	c->x->tried++;
	if (def != 1 && is_target(c, r.digest))
		record(c, "vcpus = 1 (definition says %u)", def);
	if (!info.has_sev_es_reset) {
		add_checked(c->x, "vcpus 1 (the firmware has no AP entry point)");
		return;
	}
	uint8_t page[MEASURE_PAGE_SIZE], h[MEASURE_DIGEST_LEN];
	measure_vmsa_page(page, info.sev_es_reset_eip, p.guest_features, p.vcpu_sig, p.vmm);
	br_sha384_context sc;
	br_sha384_init(&sc);
	br_sha384_update(&sc, page, sizeof page);
	br_sha384_out(&sc, h);
	struct measure_gctx g;
	measure_gctx_init(&g, r.digest);
	for (uint32_t n = 2; n <= max; n++) {
		measure_gctx_update(&g, MEASURE_PAGE_VMSA, MEASURE_VMSA_GPA, h);
		c->x->tried++;
		if (n != def && is_target(c, g.ld))
			record(c, "vcpus = %u (definition says %u)", n, def);
	}
	add_checked(c->x, "vcpus 1..%u", max);
}

static void try_vcpu_types(struct ctx *c)
{
	unsigned distinct = 0;
	char def_name[40];
	if (c->in->vcpu_type)
		snprintf(def_name, sizeof def_name, "\"%s\"", c->in->vcpu_type);
	else
		snprintf(def_name, sizeof def_name, "signature 0x%x", c->base.vcpu_sig);
	for (unsigned i = 0; measure_vcpu_type_name(i); i++) {
		uint32_t sig = 0, other = 0;
		if (measure_vcpu_type_sig(measure_vcpu_type_name(i), &sig) != 0 || sig == c->base.vcpu_sig)
			continue;
		int seen = 0;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = measure_vcpu_type_sig(measure_vcpu_type_name(j), &other) == 0 && other == sig;
		if (seen)
			continue;
		distinct++;
		/* Models sharing a signature measure the same: name them all. */
		char also[160] = "";
		for (unsigned j = i + 1; measure_vcpu_type_name(j); j++)
			if (measure_vcpu_type_sig(measure_vcpu_type_name(j), &other) == 0 && other == sig &&
			    strlen(also) + strlen(measure_vcpu_type_name(j)) + 3 < sizeof also) {
				strcat(also, also[0] ? ", " : "; same as ");
				strcat(also, measure_vcpu_type_name(j));
			}
		struct measure_params p = c->base;
		p.vcpu_sig = sig;
		try_params(c, &p, "vcpu_type = \"%s\" (CPUID signature 0x%x%s; definition says %s)",
			   measure_vcpu_type_name(i), sig, also, def_name);
	}
	add_checked(c->x, "vcpu_type (%u other CPU signatures)", distinct);
}

/* Every other VMM type: hosts move between clouds, and a cloud changes
 * its VMM (EC2 in 2026), so the definition's type is often stale. */
static void try_vmm(struct ctx *c)
{
	char names[96] = "";
	for (unsigned i = 0; measure_vmm_at(i); i++) {
		struct measure_params p = c->base;
		p.vmm = measure_vmm_at(i);
		if (p.vmm == c->base.vmm)
			continue;
		try_params(c, &p, "vmm_type = \"%s\" (definition says \"%s\")", measure_vmm_name(p.vmm),
			   measure_vmm_name(c->base.vmm));
		size_t used = strlen(names);
		snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", measure_vmm_name(p.vmm));
	}
	add_checked(c->x, "vmm_type %s", names);
}

/* s for a message: quotes, escapes and at most max characters. */
static void quote(char *out, size_t len, const char *s, size_t max)
{
	size_t o = 0, shown = 0;
	if (len < 8)
		return;
	out[o++] = '"';
	for (; *s && o + 6 < len; s++, shown++) {
		unsigned char ch = (unsigned char)*s;
		if (shown == max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '\n' || ch == '\t' || ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = ch == '\n' ? 'n' : ch == '\t' ? 't' : (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* The definition's kernel and initrd with another command line. */
static int try_append(struct ctx *c, const char *variant, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int try_append(struct ctx *c, const char *variant, const char *fmt, ...)
{
	struct measure_params p = c->base;
	c->kh = *c->in->kernel;
	measure_cmdline_hash(c->kh.cmdline, variant);
	p.kernel = &c->kh;
	va_list ap;
	va_start(ap, fmt);
	int hit = vtry(c, &p, fmt, ap);
	va_end(ap);
	return hit;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n';
}

static void try_append_words(struct ctx *c, const char *a, char *buf, unsigned *n)
{
	static const char *const common_words[] = {"quiet", "splash", "debug", "ro", "rw", "nokaslr",
						   "console=ttyS0", "console=hvc0", "console=tty0",
						   "earlyprintk=serial", "panic=-1", "loglevel=7"};
	size_t len = strlen(a), start[MAX_WORDS], end[MAX_WORDS], words = 0;
	for (size_t i = 0; i < len && words < MAX_WORDS;) {
		while (i < len && is_space(a[i]))
			i++;
		if (i == len)
			break;
		start[words] = i;
		while (i < len && !is_space(a[i]))
			i++;
		end[words++] = i;
	}
	/* Each word removed with the blanks after it (before it, for the last). */
	for (size_t w = 0; w < words; w++) {
		size_t from = start[w], to = w + 1 < words ? start[w + 1] : end[w];
		if (w + 1 == words && w > 0)
			from = end[w - 1];
		char word[80];
		snprintf(word, sizeof word, "%.*s", (int)(end[w] - start[w]), a + start[w]);
		char q[96];
		quote(q, sizeof q, word, 60);
		memcpy(buf, a, from);
		memcpy(buf + from, a + to, len - to + 1);
		try_append(c, buf, "append without %s (the definition has it)", q);
		(*n)++;
	}
	for (size_t i = 0; i < sizeof common_words / sizeof common_words[0]; i++) {
		const char *w = common_words[i];
		int present = 0;
		for (size_t k = 0; k < words && !present; k++)
			present = end[k] - start[k] == strlen(w) && memcmp(a + start[k], w, strlen(w)) == 0;
		if (present)
			continue;
		snprintf(buf, APPEND_WORK_MAX, "%s%s%s", a, len && !is_space(a[len - 1]) ? " " : "", w);
		try_append(c, buf, "append with \"%s\" added at the end (the definition lacks it)", w);
		(*n)++;
	}
}

static void try_append_variants(struct ctx *c)
{
	static char buf[APPEND_WORK_MAX]; /* host tools are single-threaded */
	const char *a = c->in->append;
	unsigned n = 0;
	char q[96];
	quote(q, sizeof q, a ? a : "", 48);
	if (a && a[0]) {
		try_append(c, NULL, "no command line (definition's append is %s)", q);
		n++;
	}
	const char *s = a ? a : "";
	size_t len = strlen(s);
	if (len + 64 >= sizeof buf) {
		add_checked(c->x, "append absent (the definition's is too long to vary)");
		return;
	}
	snprintf(buf, sizeof buf, "%s\n", s);
	try_append(c, buf, "append with a trailing newline (definition's append is %s)", q);
	snprintf(buf, sizeof buf, "%s ", s);
	try_append(c, buf, "append with a trailing blank (definition's append is %s)", q);
	n += 2;
	size_t e = len;
	while (e > 0 && is_space(s[e - 1]))
		e--;
	if (e < len) {
		snprintf(buf, sizeof buf, "%.*s", (int)e, s);
		try_append(c, buf, "append without its trailing %s (definition's append is %s)",
			   s[len - 1] == '\n' ? "newline" : "blanks", q);
		n++;
	}
	size_t b = 0;
	while (b < len && is_space(s[b]))
		b++;
	if (b > 0) {
		try_append(c, s + b, "append without its leading blanks (definition's append is %s)", q);
		n++;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == ' ' && i > 0 && s[i - 1] == ' '))
			buf[o++] = s[i];
	buf[o] = '\0';
	if (o != len) {
		try_append(c, buf, "append with runs of blanks collapsed (definition's append is %s)", q);
		n++;
	}
	try_append_words(c, s, buf, &n);
	add_checked(c->x,
		    "append (%u variants: absent, trailing newline or blank, whitespace, each word removed, "
		    "common words added)",
		    n);
}

static void try_boot(struct ctx *c)
{
	if (!c->in->kernel) {
		add_checked(c->x, "no kernel in the definition, so kernel, initrd and command line not varied");
		return;
	}
	struct measure_params p = c->base;
	p.kernel = NULL;
	try_params(c, &p,
		   "no kernel hashes: the firmware-only digest (the host launched without -kernel or with QEMU "
		   "kernel-hashes=off, so kernel, initrd and command line are NOT measured)");
	add_checked(c->x, "firmware-only digest (no kernel hashes)");
	if (c->in->has_initrd) {
		c->kh = *c->in->kernel;
		measure_sha256(c->kh.initrd, (const uint8_t *)"", 0);
		p.kernel = &c->kh;
		try_params(c, &p, "no initrd (the definition names one)");
		add_checked(c->x, "initrd absent");
	}
	try_append_variants(c);
}

int measure_explain(struct measure_explain *x, const struct measure_explain_input *in,
		    const uint8_t target[MEASURE_DIGEST_LEN], char *err, size_t err_len)
{
	memset(x, 0, sizeof *x);
	struct ctx c = {.in = in, .target = target, .x = x};
	uint8_t seed[MEASURE_DIGEST_LEN];
	if (in->ovmf_hash) {
		memcpy(seed, in->ovmf_hash, sizeof seed);
	} else if (measure_ovmf_hash(seed, in->ovmf, in->ovmf_len, err, err_len) != 0) {
		return -1;
	}
	c.base = (struct measure_params){.ovmf = in->ovmf, .ovmf_len = in->ovmf_len, .ovmf_hash = seed,
					 .kernel = in->kernel, .vcpus = in->vcpus, .vcpu_sig = in->vcpu_sig,
					 .vmm = in->vmm, .guest_features = in->guest_features};
	struct measure_result r;
	if (measure_launch_digest(&r, &c.base, err, err_len) != 0)
		return -1;
	memcpy(x->computed, r.digest, sizeof x->computed);
	x->tried = 1;
	if (is_target(&c, r.digest)) {
		x->matches = 1;
		return 0;
	}
	try_features(&c);
	try_vcpus(&c);
	try_vcpu_types(&c);
	try_vmm(&c);
	try_boot(&c);
	return 0;
}

void measure_explain_summary(const struct measure_explain *x, char *out, size_t len)
{
	if (x->matches) {
		snprintf(out, len, "MEASUREMENT matches the definition as it is");
	} else if (x->n_found == 0) {
		snprintf(out, len,
			 "no single change explains it; checked: %s (%u digests). Other causes: another firmware, "
			 "kernel or initrd file, or several changes at once",
			 x->checked, x->tried);
	} else {
		int n = snprintf(out, len, "MEASUREMENT matches the definition with %s", x->found[0]);
		for (size_t i = 1; i < x->n_found && n > 0 && (size_t)n < len; i++)
			n += snprintf(out + n, len - (size_t)n, "; also with %s", x->found[i]);
	}
}
