/* Reading the first stage's timeline lines back from a console log (boot_timeline.h). */
#include "boot_timeline.h"
#include "base/err_text.h"

#include <string.h>

struct scan {
	const char *p, *end;
};

static void skip_blanks(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

/* "key=N unit" (key "": "N unit"): a decimal number of at most 15 digits,
 * so no overflow; unit NULL: none. */
static int field(struct scan *s, const char *key, const char *unit, long long *v, int allow_minus)
{
	size_t klen = strlen(key), ulen = unit ? strlen(unit) : 0;
	skip_blanks(s);
	if (klen) { /* "" : a bare number */
		if ((size_t)(s->end - s->p) < klen + 1 || memcmp(s->p, key, klen) != 0 || s->p[klen] != '=')
			return -1;
		s->p += klen + 1;
	}
	int neg = 0;
	if (allow_minus && s->p < s->end && *s->p == '-') {
		neg = 1;
		s->p++;
	}
	long long n = 0;
	int digits = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits < 16) {
		n = n * 10 + (*s->p++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 15)
		return -1;
	if (unit) {
		skip_blanks(s);
		if ((size_t)(s->end - s->p) < ulen || memcmp(s->p, unit, ulen) != 0)
			return -1;
		s->p += ulen;
	}
	*v = neg ? -n : n;
	return 0;
}

static int word(struct scan *s, const char *w)
{
	size_t n = strlen(w);
	skip_blanks(s);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int at_end(struct scan *s)
{
	skip_blanks(s);
	return s->p == s->end;
}

static int parse_total(struct boot_timeline *t, struct scan *s)
{
	long long work, at, rss, children;
	if (field(s, "work", "ms", &work, 0) || field(s, "at", "ms", &at, 0))
		return -1;
	t->work_ms = (uint64_t)work;
	t->at_ms = (uint64_t)at;
	t->has_rss = 0;
	if (at_end(s))
		return 0;
	if (field(s, "peak_rss", "KiB", &rss, 1) || word(s, "(") || word(s, "children") ||
	    field(s, "", "KiB", &children, 1) || word(s, ")") || !at_end(s))
		return -1;
	t->has_rss = 1;
	t->peak_rss_kib = rss;
	t->children_kib = children;
	return 0;
}

static int parse_phase(struct boot_phase *ph, struct scan *s)
{
	const char *name = s->p;
	while (s->p < s->end && *s->p != ' ' && *s->p != '\t')
		s->p++;
	size_t n = (size_t)(s->p - name);
	if (n == 0 || n >= sizeof ph->name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
		      name[i] == '-'))
			return -1;
	memcpy(ph->name, name, n);
	ph->name[n] = '\0';
	long long start, took, wait;
	if (field(s, "start", "ms", &start, 0) || field(s, "took", "ms", &took, 0) || field(s, "wait", "ms", &wait, 0))
		return -1;
	ph->start_ms = (uint64_t)start;
	ph->took_ms = (uint64_t)took;
	ph->wait_ms = (uint64_t)wait;
	skip_blanks(s);
	if (word(s, "ok") == 0)
		ph->ok = 1;
	else if (word(s, "failed") == 0)
		ph->ok = 0;
	else
		return -1;
	return at_end(s) ? 0 : -1;
}

/* "[    2.159301] ": the kernel's time stamp on a /dev/kmsg line. */
static int is_kmsg_stamp(const char *p, size_t len)
{
	size_t i = 0, digits = 0;
	if (len < 4 || p[0] != '[' || p[len - 1] != ' ' || p[len - 2] != ']')
		return 0;
	for (i = 1; i < len - 2 && p[i] == ' '; i++)
		;
	for (; i < len - 2; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			digits++;
		else if (p[i] != '.')
			return 0;
	}
	return digits > 0;
}

/* The marker after a kernel stamp is the /dev/kmsg copy of a line; anywhere
 * else (the line's start, or after kernel output the line was written into
 * the middle of) it is the guest's own console write. */
static const char *find_marker(const char *line, size_t len, int *direct)
{
	size_t mlen = strlen(BOOT_TIMELINE_MARKER);
	for (size_t i = 0; i + mlen <= len; i++)
		if (memcmp(line + i, BOOT_TIMELINE_MARKER, mlen) == 0) {
			*direct = !is_kmsg_stamp(line, i);
			return line + i + mlen;
		}
	return NULL;
}

int boot_timeline_parse(struct boot_timeline *t, const char *text, size_t len, char *err, size_t err_len)
{
	memset(t, 0, sizeof *t);
	/* With a verbose loglevel the kernel echoes each line from /dev/kmsg
	 * too: when the guest's own copies exist, only they count. */
	int any_direct = 0;
	for (size_t off = 0; off < len && !any_direct;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		int direct = 0;
		if (find_marker(text + off, l, &direct) && direct)
			any_direct = 1;
		off += l + 1;
	}
	struct boot_timeline cur = {0};
	int open_block = 0;
	unsigned lineno = 0;
	size_t marked = 0;
	for (size_t off = 0; off < len;) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off);
		size_t l = nl ? (size_t)(nl - line) : len - off;
		off += l + 1;
		lineno++;
		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' '))
			l--;
		int direct = 0;
		const char *rest = find_marker(line, l, &direct);
		if (!rest || (any_direct && !direct))
			continue;
		marked++;
		struct scan s = {rest, line + l};
		if (word(&s, "total") == 0 && s.p < s.end && (*s.p == ' ' || *s.p == '\t')) {
			if (!open_block)
				return err_set(err, err_len, "line %u: a 'total' line without phase lines before it", lineno);
			if (parse_total(&cur, &s) != 0)
				return err_set(err, err_len,
					    "line %u: malformed timeline total: expected 'total work=N ms at=N ms "
					    "[peak_rss=N KiB (children N KiB)]', got '%.*s'",
					    lineno, (int)(line + l - rest), rest);
			cur.timelines = t->timelines + 1;
			*t = cur;
			memset(&cur, 0, sizeof cur);
			open_block = 0;
			continue;
		}
		if (cur.n_phases == BOOT_TIMELINE_MAX_PHASES)
			return err_set(err, err_len, "line %u: more than %d timeline phases before a 'total' line", lineno,
				    BOOT_TIMELINE_MAX_PHASES);
		struct boot_phase *ph = &cur.phases[cur.n_phases];
		s.p = rest;
		if (parse_phase(ph, &s) != 0)
			return err_set(err, err_len,
				    "line %u: malformed timeline line: expected 'NAME start=N ms took=N ms wait=N ms "
				    "ok|failed', got '%.*s'",
				    lineno, (int)(line + l - rest > 120 ? 120 : line + l - rest), rest);
		if (ph->wait_ms > ph->took_ms)
			return err_set(err, err_len, "line %u: phase %s waited %llu ms but took only %llu ms", lineno,
				    ph->name, (unsigned long long)ph->wait_ms, (unsigned long long)ph->took_ms);
		cur.n_phases++;
		open_block = 1;
	}
	if (open_block)
		return err_set(err, err_len,
			    "%zu timeline phase line(s) at the end but no 'total' line after them (log cut short?)",
			    cur.n_phases);
	if (marked == 0)
		return err_set(err, err_len,
			    "no '" BOOT_TIMELINE_MARKER "' lines (the first stage prints them before switch_root or a "
			    "failure action, at log level notice)");
	return 0;
}

uint64_t boot_timeline_end(const struct boot_timeline *t)
{
	uint64_t end = t->at_ms;
	for (size_t i = 0; i < t->n_phases; i++)
		if (t->phases[i].start_ms + t->phases[i].took_ms > end)
			end = t->phases[i].start_ms + t->phases[i].took_ms;
	return end;
}

void boot_timeline_print_phases(FILE *out, const struct boot_timeline *t, const char *sep)
{
	for (size_t k = 0; k < t->n_phases; k++) {
		const struct boot_phase *p = &t->phases[k];
		fprintf(out, "%s%s %llu ms", k ? sep : "", p->name, (unsigned long long)p->took_ms);
		if (p->wait_ms)
			fprintf(out, " (owner wait %llu ms)", (unsigned long long)p->wait_ms);
		if (!p->ok)
			fputs(" FAILED", out);
	}
}
