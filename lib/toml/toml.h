/*
 * A strict TOML 1.0 subset parser for boot.toml (parsed by the guest's PID 1)
 * and the owner's VM definitions (parsed by the host tool).
 *
 * No allocation: the caller hands over a node array and a string pool
 * (struct toml_arena gives the default sizes). The parsed tree lives in that
 * storage; node pointers stay valid as long as it does.
 *
 * Supported: comments, bare/quoted/dotted keys, [table], [[array of tables]],
 * the four string kinds (all escapes, \u and \U encoded as UTF-8), int64
 * integers (decimal with sign and '_', 0x/0o/0b), booleans, arrays, inline
 * tables. Rejected by name: floats, inf/nan, dates and times. Strings may not
 * contain NUL (\u0000), so every string value is also a safe C string.
 * Multi-line strings have CRLF normalised to LF.
 *
 * Every failing function fills a struct toml_error with file, line, column
 * and message; toml_error_format() prints "boot.toml:12:5: message".
 */
#ifndef SNPBOOT_TOML_H
#define SNPBOOT_TOML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default capacities (struct toml_arena). The host may pass bigger storage to toml_doc_init. */
#ifndef TOML_MAX_NODES
#define TOML_MAX_NODES 512
#endif
#ifndef TOML_POOL_SIZE
#define TOML_POOL_SIZE (16 * 1024)
#endif
/* Default input limit; doc->max_input may be changed after toml_doc_init. */
#define TOML_MAX_INPUT (1024 * 1024)
/* Maximum nesting of arrays and inline tables inside one value (bounds recursion). */
#define TOML_MAX_DEPTH 32
#define TOML_FILE_MAX 64

enum toml_type {
	TOML_NONE = 0,
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INT,
	TOML_BOOL,
};

struct toml_error {
	char file[TOML_FILE_MAX]; /* file name as given, front-truncated with "..." if long */
	unsigned line, column;    /* 1-based; 0 = not applicable (then omitted when formatted) */
	char msg[160];
};

/* One key/value, table or array element. Fields are private: use the functions below. */
struct toml_node {
	uint32_t key;    /* pool offset of the key, TOML_NO_KEY for array elements and the root */
	uint32_t parent; /* node index of the containing table/array (root: 0) */
	uint32_t next;   /* node index of the next sibling, 0 = last */
	uint32_t line, column;
	uint8_t type;        /* enum toml_type */
	uint8_t flags;       /* parser bookkeeping: how a table was defined, inline/frozen */
	uint16_t key_column; /* column of the key naming this node (saturates at 65535) */
	union {
		struct {
			uint32_t first, last, count;
		} kids;
		struct {
			uint32_t off, len;
		} str;
		int64_t i;
		bool b;
	} u;
};
#define TOML_NO_KEY UINT32_MAX

struct toml_doc {
	struct toml_node *nodes;
	uint32_t node_cap, node_count;
	char *pool;
	uint32_t pool_cap, pool_len;
	size_t max_input;         /* toml_parse rejects longer input; TOML_MAX_INPUT by default */
	char file[TOML_FILE_MAX]; /* for messages from the access functions */
};

/* Default-sized storage; put it in static memory in PID 1 (about 36 KiB). */
struct toml_arena {
	struct toml_node nodes[TOML_MAX_NODES];
	char pool[TOML_POOL_SIZE];
};

/* ---- setup and parsing ---------------------------------------------------------- */

/* Binds storage to doc. node_cap >= 1; capacities above UINT32_MAX-1 are clamped. */
void toml_doc_init(struct toml_doc *doc, struct toml_node *nodes, size_t node_cap, char *pool, size_t pool_cap);
void toml_doc_init_arena(struct toml_doc *doc, struct toml_arena *arena);

/*
 * Parses len bytes of buf (need not be NUL-terminated; a NUL byte is an error).
 * file is only used in messages. Resets any previous tree in doc.
 * Returns 0, or -1 with err filled (err may be NULL). On failure the tree is
 * incomplete and must not be used.
 */
int toml_parse(struct toml_doc *doc, const char *file, const void *buf, size_t len, struct toml_error *err);

/* "file:line:column: msg" (line/column omitted when 0). Returns snprintf's result. */
int toml_error_format(const struct toml_error *err, char *out, size_t out_len);

/* Fills err (if not NULL) with the position of node (or none if node is NULL) and a message;
 * for schema loaders. Always returns -1 so it can be used as `return toml_errorf(...)`. */
int toml_errorf(struct toml_error *err, const struct toml_doc *doc, const struct toml_node *node, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
int toml_verrorf(struct toml_error *err, const struct toml_doc *doc, const struct toml_node *node, const char *fmt,
		 va_list ap) __attribute__((format(printf, 4, 0)));

/* ---- navigation ------------------------------------------------------------------ */

/* The root table (NULL before a successful parse). */
const struct toml_node *toml_root(const struct toml_doc *doc);
enum toml_type toml_type(const struct toml_node *n);
/* "string", "integer", "boolean", "array", "table", "nothing". */
const char *toml_type_name(enum toml_type t);
/* Position of the value (for tables: of their [header] or first defining key). A key and
 * its value always share a line; toml_key_column gives the key's column. */
unsigned toml_line(const struct toml_node *n);
unsigned toml_column(const struct toml_node *n);
unsigned toml_key_column(const struct toml_node *n);
/* Key of a table member; NULL for array elements and the root. */
const char *toml_key(const struct toml_doc *doc, const struct toml_node *n);
/* Containing table or array; NULL for the root. */
const struct toml_node *toml_parent(const struct toml_doc *doc, const struct toml_node *n);
/*
 * Human-readable path of n for messages, e.g. `network.mode`, `disk[1].name`,
 * `"odd.key".x`; the root is "". Truncated to fit; returns the untruncated length.
 */
size_t toml_path(const struct toml_doc *doc, const struct toml_node *n, char *out, size_t out_len);

/* Member `key` of a table; NULL if missing or table is not a table. */
const struct toml_node *toml_table_get(const struct toml_doc *doc, const struct toml_node *table, const char *key);
/* Dotted path of bare keys (no quoting) from table, e.g. "network.mode"; NULL if missing. */
const struct toml_node *toml_table_get_path(const struct toml_doc *doc, const struct toml_node *table,
					    const char *path);
/* Same, from the root. */
const struct toml_node *toml_get_path(const struct toml_doc *doc, const char *path);

/*
 * Iteration over a table's members (in definition order) or an array's elements:
 *   for (n = toml_first(doc, t); n; n = toml_next(doc, n)) use toml_key(doc, n), toml_line(n) ...
 * toml_first returns NULL for empty containers and for non-containers.
 */
const struct toml_node *toml_first(const struct toml_doc *doc, const struct toml_node *container);
const struct toml_node *toml_next(const struct toml_doc *doc, const struct toml_node *n);
/* Number of members/elements; 0 for non-containers. */
size_t toml_count(const struct toml_node *container);
/* Element i of an array (or member i of a table); NULL if out of range. O(i). */
const struct toml_node *toml_array_at(const struct toml_doc *doc, const struct toml_node *array, size_t i);
/* 1 if n is an array made by [[name]] headers (its elements are tables). */
int toml_is_array_of_tables(const struct toml_node *n);

/* ---- raw values (no messages) ----------------------------------------------------- */

/* NUL-terminated string value (never contains NUL) and its length; NULL if not a string. */
const char *toml_string(const struct toml_doc *doc, const struct toml_node *n, size_t *len);
/* 0 and *out set, or -1 if n is not of that type. */
int toml_int(const struct toml_node *n, int64_t *out);
int toml_bool(const struct toml_node *n, bool *out);

/* ---- typed getters for schema loaders: -1 with err at the value's position ------------ */

/* Type check: "'network' must be a table, not an integer". */
int toml_expect(const struct toml_doc *doc, const struct toml_node *n, enum toml_type type, struct toml_error *err);
/* Copies the string and its NUL into out; error if not a string or longer than out_len-1 bytes. */
int toml_get_string(const struct toml_doc *doc, const struct toml_node *n, char *out, size_t out_len,
		    struct toml_error *err);
/* Integer within [min, max] inclusive. */
int toml_get_int(const struct toml_doc *doc, const struct toml_node *n, int64_t min, int64_t max, int64_t *out,
		 struct toml_error *err);
int toml_get_bool(const struct toml_doc *doc, const struct toml_node *n, bool *out, struct toml_error *err);

/*
 * Member `key` of table, which must exist and have the given type (TOML_NONE: any).
 * Missing: "missing required key 'network.mode'" at the table's position.
 */
const struct toml_node *toml_require(const struct toml_doc *doc, const struct toml_node *table, const char *key,
				     enum toml_type type, struct toml_error *err);

/*
 * Fails on the first member of table whose key is not in allowed[] (NULL-terminated):
 * "file:line:col: unknown key 'network.moed'". table_name prefixes the key in the message;
 * NULL means "use toml_path(table)". Returns 0 if all keys are allowed.
 */
int toml_check_table_keys(const struct toml_doc *doc, const struct toml_node *table, const char *table_name,
			  const char *const allowed[], struct toml_error *err);

#endif
