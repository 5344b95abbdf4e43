/* config-generator's core (vmdef_gen.h): keys set from the command line,
 * rendered into the commented definition and checked with vmdef_parse. */
#include "vmdef_gen.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdef/vmdef.h"
#include "base/err_text.h"

char *vmdef_gen_toml_string(const char *s)
{
	char *out;
	size_t len;
	FILE *m = open_memstream(&out, &len);
	if (!m)
		return NULL;
	fputc('"', m);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(m, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", m);
		else if (*p == '\t')
			fputs("\\t", m);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(m, "\\u%04x", *p);
		else
			fputc(*p, m);
	}
	fputc('"', m);
	if (fclose(m) != 0)
		return NULL;
	return out;
}

static int is_int_text(const char *v)
{
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		return v[2] && strspn(v + 2, "0123456789abcdefABCDEF") == strlen(v + 2);
	return v[0] && strspn(v, "0123456789") == strlen(v);
}

/* "snp=8, microcode=115" -> "{ snp = 8, microcode = 115 }"; names and numbers are checked by the loader. */
static char *tcb_text(const char *v, char *err, size_t err_len)
{
	if (v[0] == '{')
		return strdup(v);
	char *copy = strdup(v), *out = NULL, *save = NULL;
	size_t len;
	FILE *m = copy ? open_memstream(&out, &len) : NULL;
	if (!m) {
		free(copy);
		return NULL;
	}
	fputs("{ ", m);
	int n = 0, bad = 0;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		item += strspn(item, " ");
		char *eq = strchr(item, '=');
		if (!eq || eq == item) {
			bad = 1;
			break;
		}
		char *name_end = eq, *value = eq + 1 + strspn(eq + 1, " "), *value_end = value + strlen(value);
		while (name_end > item && name_end[-1] == ' ')
			name_end--;
		while (value_end > value && value_end[-1] == ' ')
			*--value_end = '\0';
		/* Names as bare TOML keys (the loader knows which), values as integers. */
		if (strspn(item, "abcdefghijklmnopqrstuvwxyz_") != (size_t)(name_end - item) || !is_int_text(value)) {
			bad = 1;
			break;
		}
		fprintf(m, "%s%.*s = %s", n++ ? ", " : "", (int)(name_end - item), item, value);
	}
	fputs(" }", m);
	fclose(m);
	free(copy);
	if (bad || n == 0) {
		free(out);
		err_set(err, err_len, "expected NAME=NUMBER[,NAME=NUMBER...] (bootloader, tee, snp, microcode, fmc) or "
				   "an inline table {...}, not '%s'", v);
		return NULL;
	}
	return out;
}

/* The TOML text for value as key's kind; NULL with err. */
static char *value_text(const struct vmdef_key *k, const char *v, int abs_paths, char *err, size_t err_len)
{
	char *out = NULL;
	/* TOML text given as it is ({...}, [...]) stays on its line: no keys smuggled in. */
	if ((k->kind == VMDEF_KIND_TCB || k->kind == VMDEF_KIND_STRINGS) && strpbrk(v, "\n\r")) {
		err_set(err, err_len, "a line break in '%s'", v);
		return NULL;
	}
	switch (k->kind) {
	case VMDEF_KIND_PATH:
		if (abs_paths && v[0] && v[0] != '/') {
			char cwd[PATH_MAX], full[PATH_MAX + VMDEF_PATH_MAX];
			if (!getcwd(cwd, sizeof cwd)) {
				err_set(err, err_len, "cannot resolve '%s': no current directory", v);
				return NULL;
			}
			snprintf(full, sizeof full, "%s/%s", cwd, v);
			out = vmdef_gen_toml_string(full);
		} else {
			out = vmdef_gen_toml_string(v);
		}
		break;
	case VMDEF_KIND_STRING:
		out = vmdef_gen_toml_string(v);
		break;
	case VMDEF_KIND_INT:
		if (!is_int_text(v)) {
			err_set(err, err_len, "expected an integer (decimal or 0x hex), not '%s'", v);
			return NULL;
		}
		out = strdup(v);
		break;
	case VMDEF_KIND_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
			err_set(err, err_len, "expected true or false, not '%s'", v);
			return NULL;
		}
		out = strdup(v);
		break;
	case VMDEF_KIND_TCB:
		return tcb_text(v, err, err_len);
	case VMDEF_KIND_STRINGS:
		if (v[0] == '[')
			return strdup(v);
		char *s = vmdef_gen_toml_string(v);
		if (!s)
			return NULL;
		size_t n = strlen(s) + 3;
		out = malloc(n);
		if (out)
			snprintf(out, n, "[%s]", s);
		free(s);
		break;
	}
	if (!out)
		err_set(err, err_len, "out of memory");
	return out;
}

/* An array given one element at a time grows: "[a]" + "[b]" -> "[a, b]". */
static char *append_array(const char *old, const char *add)
{
	size_t ol = strlen(old), al = strlen(add);
	const char *inner = old + 1;
	size_t inner_len = ol >= 2 ? ol - 2 : 0;
	int empty = strspn(inner, " \t") >= inner_len;
	char *out = malloc(ol + al + 3);
	if (!out)
		return NULL;
	if (empty)
		memcpy(out, add, al + 1);
	else
		snprintf(out, ol + al + 3, "%.*s, %s", (int)(ol - 1), old, add + 1);
	return out;
}

int vmdef_gen_set_kv(struct vmdef_gen *g, const char *table, const char *key, const char *value, const char *origin,
		     int abs_paths, char *err, size_t err_len)
{
	const struct vmdef_key *k = vmdef_schema_find(table, key);
	if (!k)
		return err_set(err, err_len, "%s: unknown key '%s.%s' (the keys are listed in lib/vmdef.h)", origin, table,
			    key);
	char why[256];
	char *text = value_text(k, value, abs_paths, why, sizeof why);
	if (!text)
		return err_set(err, err_len, "%s: '%s.%s' (%s): %s", origin, table, key, vmdef_kind_name(k->kind), why);
	for (size_t i = 0; i < g->n; i++) {
		if (g->sets[i].key != k)
			continue;
		if (k->kind == VMDEF_KIND_STRINGS && value[0] != '[') {
			char *joined = append_array(g->sets[i].value, text);
			free(text);
			if (!joined)
				return err_set(err, err_len, "out of memory");
			text = joined;
		}
		free(g->sets[i].value);
		g->sets[i].value = text;
		snprintf(g->sets[i].origin, sizeof g->sets[i].origin, "%s", origin);
		return 0;
	}
	if (g->n == VMDEF_GEN_MAX_SETS) {
		free(text);
		return err_set(err, err_len, "%s: too many keys set", origin);
	}
	struct vmdef_gen_set *s = &g->sets[g->n++];
	s->key = k;
	s->value = text;
	s->line = 0;
	snprintf(s->origin, sizeof s->origin, "%s", origin);
	return 0;
}

int vmdef_gen_set(struct vmdef_gen *g, const char *assignment, const char *origin, int abs_paths, char *err,
		  size_t err_len)
{
	const char *eq = strchr(assignment, '='), *dot = strchr(assignment, '.');
	if (!eq || !dot || dot > eq || dot == assignment || dot + 1 == eq)
		return err_set(err, err_len, "%s: expected TABLE.KEY=VALUE", origin);
	char table[32], key[32];
	if ((size_t)(dot - assignment) >= sizeof table || (size_t)(eq - dot - 1) >= sizeof key)
		return err_set(err, err_len, "%s: unknown key '%.*s'", origin, (int)(eq - assignment), assignment);
	memcpy(table, assignment, (size_t)(dot - assignment));
	table[dot - assignment] = '\0';
	memcpy(key, dot + 1, (size_t)(eq - dot - 1));
	key[eq - dot - 1] = '\0';
	return vmdef_gen_set_kv(g, table, key, eq + 1, origin, abs_paths, err, err_len);
}

static struct vmdef_gen_set *find_set(struct vmdef_gen *g, const struct vmdef_key *k)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->sets[i].key == k)
			return &g->sets[i];
	return NULL;
}

/* Writes text (which may hold several lines) as comment lines; counts lines. */
static void comment(FILE *m, unsigned *line, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		fprintf(m, "# %.*s\n", (int)n, text);
		(*line)++;
		text += n + (text[n] == '\n');
	}
}

static const char header[] =
	"snpboot VM definition (vm.toml), written by `snpboot config-generator`.\n"
	"Read by snpboot client, measure, report verify, snp-sim and launch-qemu.\n"
	"Each key comes with what it is and its safe default. Keys commented out are\n"
	"optional: absent, they take the default named. Relative paths resolve against\n"
	"this file's directory. `snpboot config-generator --check FILE` reviews a definition.";

char *vmdef_gen_render(struct vmdef_gen *g, size_t *len)
{
	char *out;
	FILE *m = open_memstream(&out, len);
	if (!m)
		return NULL;
	unsigned line = 1;
	comment(m, &line, header);
	for (size_t t = 0; t < vmdef_schema_n_tables; t++) {
		const struct vmdef_table *tab = &vmdef_schema_tables[t];
		int active = 0;
		for (size_t i = 0; i < vmdef_schema_n_keys; i++) {
			const struct vmdef_key *k = &vmdef_schema_keys[i];
			if (strcmp(k->table, tab->name) == 0 && (!k->optional || find_set(g, k)))
				active = 1;
		}
		fputc('\n', m);
		line++;
		comment(m, &line, tab->doc);
		fprintf(m, "%s[%s]\n", active ? "" : "# ", tab->name);
		line++;
		for (size_t i = 0; i < vmdef_schema_n_keys; i++) {
			const struct vmdef_key *k = &vmdef_schema_keys[i];
			if (strcmp(k->table, tab->name) != 0)
				continue;
			struct vmdef_gen_set *s = find_set(g, k);
			if (k != &vmdef_schema_keys[0] && strcmp(k[-1].table, k->table) == 0) {
				fputc('\n', m); /* a blank line between keys of one table */
				line++;
			}
			comment(m, &line, k->doc);
			if (s)
				s->line = line;
			fprintf(m, "%s%s = %s\n", s || !k->optional ? "" : "# ", k->key, s ? s->value : k->value);
			line++;
		}
	}
	if (fclose(m) != 0)
		return NULL;
	return out;
}

int vmdef_gen_check(const struct vmdef_gen *g, const char *name, const char *text, size_t len, char *err,
		    size_t err_len)
{
	static struct vmdef def; /* large */
	char why[VMDEF_ERR_LEN];
	if (vmdef_parse(name, text, len, &def, why, sizeof why) == 0)
		return 0;
	unsigned line = 0;
	size_t nl = strlen(name);
	if (strncmp(why, name, nl) == 0 && why[nl] == ':')
		line = (unsigned)strtoul(why + nl + 1, NULL, 10);
	for (size_t i = 0; line && i < g->n; i++)
		if (g->sets[i].line == line)
			return err_set(err, err_len, "%s: %s", g->sets[i].origin, why);
	return err_set(err, err_len, "%s", why);
}

void vmdef_gen_free(struct vmdef_gen *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->sets[i].value);
	g->n = 0;
}
