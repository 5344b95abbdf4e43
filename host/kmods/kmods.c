#include "kmods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KMODS_DEP_MAX 8192 /* modules in one kernel's modules.dep */

struct dep_entry {
	const char *line; /* points into a private copy of modules.dep */
	char name[64];
	int state; /* 0 unvisited, 1 on the DFS stack, 2 placed */
};

struct resolver {
	struct dep_entry *entries;
	unsigned count;
	struct kmods_plan *plan;
	char *err;
	size_t err_len;
};

void kmods_name_of(const char *path, char *name, size_t name_len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = 0;
	for (; base[n] && strncmp(base + n, ".ko", 3) != 0 && n + 1 < name_len; n++)
		name[n] = base[n] == '-' ? '_' : base[n];
	name[n] = '\0';
}

static void normalize(const char *in, char *out, size_t out_len)
{
	size_t n = 0;
	for (; in[n] && n + 1 < out_len; n++)
		out[n] = in[n] == '-' ? '_' : in[n];
	out[n] = '\0';
}

static struct dep_entry *find(struct resolver *r, const char *name)
{
	for (unsigned i = 0; i < r->count; i++)
		if (strcmp(r->entries[i].name, name) == 0)
			return &r->entries[i];
	return NULL;
}

/* Copies the module path at the start of a modules.dep line (up to ':'). */
static int line_path(const char *line, char *out, size_t out_len)
{
	const char *colon = strchr(line, ':');
	size_t n = colon ? (size_t)(colon - line) : 0;
	if (!colon || n == 0 || n >= out_len)
		return -1;
	memcpy(out, line, n);
	out[n] = '\0';
	return 0;
}

static int visit(struct resolver *r, struct dep_entry *e, const char *wanted_by)
{
	if (e->state == 2)
		return 0;
	if (e->state == 1) {
		snprintf(r->err, r->err_len, "modules.dep has a dependency cycle through %s (needed by %s)", e->name,
			 wanted_by);
		return -1;
	}
	e->state = 1;
	const char *deps = strchr(e->line, ':') + 1;
	char dep_path[160], dep_name[64];
	while (*deps) {
		while (*deps == ' ')
			deps++;
		size_t n = strcspn(deps, " ");
		if (n == 0)
			break;
		if (n >= sizeof dep_path) {
			snprintf(r->err, r->err_len, "modules.dep: path too long in the line of %s", e->name);
			return -1;
		}
		memcpy(dep_path, deps, n);
		dep_path[n] = '\0';
		deps += n;
		kmods_name_of(dep_path, dep_name, sizeof dep_name);
		struct dep_entry *d = find(r, dep_name);
		if (!d) {
			snprintf(r->err, r->err_len, "modules.dep: %s needs %s, which has no line of its own", e->name,
				 dep_path);
			return -1;
		}
		if (visit(r, d, e->name) != 0)
			return -1;
	}
	if (r->plan->count == KMODS_MAX) {
		snprintf(r->err, r->err_len, "more than %d modules to load", KMODS_MAX);
		return -1;
	}
	if (line_path(e->line, r->plan->paths[r->plan->count], sizeof r->plan->paths[0]) != 0) {
		snprintf(r->err, r->err_len, "modules.dep: bad line for %s", e->name);
		return -1;
	}
	r->plan->count++;
	e->state = 2;
	return 0;
}

/* 1 if name appears in modules.builtin (lines like kernel/crypto/aes_generic.ko). */
static int is_builtin(const char *builtin, size_t len, const char *name)
{
	char line[256], mod[64];
	size_t pos = 0;
	while (pos < len) {
		size_t n = 0;
		while (pos < len && builtin[pos] != '\n') {
			if (n + 1 < sizeof line)
				line[n++] = builtin[pos];
			pos++;
		}
		pos++;
		line[n] = '\0';
		kmods_name_of(line, mod, sizeof mod);
		if (n && strcmp(mod, name) == 0)
			return 1;
	}
	return 0;
}

int kmods_resolve(const char *dep, size_t dep_len, const char *builtin, size_t builtin_len, const char *list,
		  size_t list_len, struct kmods_plan *plan, char *err, size_t err_len)
{
	int rc = -1;
	char *dep_copy = malloc(dep_len + 1);
	char *list_copy = malloc(list_len + 1);
	struct dep_entry *entries = calloc(KMODS_DEP_MAX, sizeof *entries);
	struct resolver r = {.entries = entries, .plan = plan, .err = err, .err_len = err_len};
	memset(plan, 0, sizeof *plan);
	if (!dep_copy || !list_copy || !entries) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	memcpy(dep_copy, dep, dep_len);
	dep_copy[dep_len] = '\0';
	memcpy(list_copy, list, list_len);
	list_copy[list_len] = '\0';

	for (char *save = NULL, *line = strtok_r(dep_copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char path[160];
		if (line_path(line, path, sizeof path) != 0) {
			snprintf(err, err_len, "modules.dep: malformed line '%.80s'", line);
			goto out;
		}
		if (r.count == KMODS_DEP_MAX) {
			snprintf(err, err_len, "modules.dep has more than %d modules", KMODS_DEP_MAX);
			goto out;
		}
		r.entries[r.count].line = line;
		kmods_name_of(path, r.entries[r.count].name, sizeof r.entries[0].name);
		r.count++;
	}

	unsigned lineno = 0;
	for (char *save = NULL, *line = strtok_r(list_copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *start = line + strspn(line, " \t");
		size_t n = strcspn(start, " \t\r");
		if (n == 0)
			continue;
		if (start[n + strspn(start + n, " \t\r")] != '\0') {
			snprintf(err, err_len, "kmods.list:%u: one module name per line, got '%s'", lineno, start);
			goto out;
		}
		start[n] = '\0';
		char name[64];
		normalize(start, name, sizeof name);
		struct dep_entry *e = find(&r, name);
		if (e) {
			if (visit(&r, e, "kmods.list") != 0)
				goto out;
		} else if (is_builtin(builtin, builtin_len, name)) {
			if (plan->builtin_count < KMODS_MAX)
				snprintf(plan->builtin[plan->builtin_count++], sizeof plan->builtin[0], "%s", name);
		} else {
			snprintf(err, err_len, "kmods.list:%u: module '%s' is neither in modules.dep nor built in", lineno,
				 start);
			goto out;
		}
	}
	rc = 0;
out:
	free(dep_copy);
	free(list_copy);
	free(entries);
	return rc;
}
