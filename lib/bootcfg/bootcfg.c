/* Schema-driven loader: one table of fields serves boot.toml and the kernel
 * command line alike, so both get the same types, ranges and messages. */
#include "bootcfg.h"
#include "bootcfg_impl.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "toml/toml.h"

static const char *const log_levels[] = {"", "", "", "error", "warning", "notice", "info", "debug", NULL};
static const char *const failure_actions[] = {"retry", "poweroff", "reboot", NULL};
static const char *const final_actions[] = {"", "poweroff", "reboot", NULL};
static const char *const net_modes[] = {"none", "dhcp", "static", NULL};
static const char *const providers[] = {"auto", "configfs-tsm", "sev-guest", "sim", NULL};
static const char *const channel_modes[] = {"listen", "connect", NULL};
static const char *const digest_types[] = {"pbkdf2", NULL};
static const char *const initdata_modes[] = {"off", "required", NULL};

#define OFF(member) offsetof(struct boot_config, member)
#define SZ(member) sizeof(((struct boot_config *)0)->member)
const struct field bootcfg__fields[] = {
	{"log", "level", F_ENUM, 0, OFF(log_level), SZ(log_level), 0, 0, log_levels, 0},
	{"failure", "action", F_ENUM, 0, OFF(failure.action), SZ(failure.action), 0, 0, failure_actions, 0},
	{"failure", "retries", F_UINT, 0, OFF(failure.retries), SZ(failure.retries), 0, 100, NULL, 0},
	{"failure", "retry_delay_ms", F_UINT, 0, OFF(failure.retry_delay_ms), 4, 0, 600000, NULL, 0},
	{"failure", "final_action", F_ENUM, 0, OFF(failure.final_action), SZ(failure.final_action), 0, 0, final_actions, 0},
	{"network", "mode", F_ENUM, 0, OFF(net.mode), SZ(net.mode), 0, 0, net_modes, 0},
	{"network", "interface", F_STRING, 0, OFF(net.interface), SZ(net.interface), 0, 0, NULL, 0},
	{"network", "link_timeout_ms", F_UINT, 0, OFF(net.link_timeout_ms), 4, 100, 600000, NULL, 0},
	{"network", "address", F_CIDR, 0, OFF(net.address), 0, 0, 0, NULL, 0},
	{"network", "gateway", F_IPV4, 0, OFF(net.gateway), 0, 0, 0, NULL, 0},
	{"network", "dns", F_IPV4_LIST, 0, OFF(net.dns), 0, 0, 0, NULL, 0},
	{"network", "dhcp_timeout_ms", F_UINT, 0, OFF(net.dhcp_timeout_ms), 4, 500, 600000, NULL, 0},
	{"network", "dhcp_retries", F_UINT, 0, OFF(net.dhcp_retries), SZ(net.dhcp_retries), 1, 100, NULL, 0},
	{"attestation", "provider", F_ENUM, 0, OFF(attestation.provider), SZ(attestation.provider), 0, 0, providers, 0},
	{"attestation", "sim_port", F_STRING, 0, OFF(attestation.sim_port), SZ(attestation.sim_port), 0, 0, NULL, 0},
	{"attestation", "vmpl", F_UINT, 0, OFF(attestation.vmpl), 4, 0, 3, NULL, 0},
	{"attestation", "service_provider", F_STRING, 0, OFF(attestation.service_provider), SZ(attestation.service_provider), 0, 0, NULL, 0},
	{"attestation", "service_guid", F_STRING, 0, OFF(attestation.service_guid), SZ(attestation.service_guid), 0, 0, NULL, 0},
	{"attestation", "service_manifest_version", F_UINT, 0, OFF(attestation.service_manifest_version), 4, 0, 0xffffffffu, NULL, 0},
	{"channel", "mode", F_ENUM, 0, OFF(channel.mode), SZ(channel.mode), 0, 0, channel_modes, 0},
	{"channel", "listen_port", F_UINT, 0, OFF(channel.listen_port), 2, 1, 65535, NULL, 0},
	{"channel", "owner_address", F_HOSTPORT, 0, OFF(channel.owner_ip), 0, 0, 0, NULL, 0},
	{"channel", "owner_key_sha256", F_SHA256_LIST, 0, OFF(channel.owner_keys), 0, 0, 0, NULL, 0},
	{"channel", "deadline_s", F_UINT, 0, OFF(channel.deadline_s), 4, 1, 86400, NULL, 0},
	{"channel", "max_attempts", F_UINT, 0, OFF(channel.max_attempts), SZ(channel.max_attempts), 1, 1000, NULL, 0},
	{"root", "device", F_STRING, 0, OFF(root.device), SZ(root.device), 0, 0, NULL, 0},
	{"root", "device_timeout_ms", F_UINT, 0, OFF(root.device_timeout_ms), 4, 0, 600000, NULL, 0},
	{"root", "mapper_name", F_STRING, 0, OFF(root.mapper_name), SZ(root.mapper_name), 0, 0, NULL, 0},
	{"root", "fstype", F_STRING, 0, OFF(root.fstype), SZ(root.fstype), 0, 0, NULL, 0},
	{"root", "options", F_STRING, 0, OFF(root.options), SZ(root.options), 0, 0, NULL, 0},
	/* The disk pin: `snpboot disk-pin IMAGE` prints these lines. */
	{"root", "pin_digest_type", F_ENUM, 1u << 0, OFF(root.pin_digest_type), SZ(root.pin_digest_type), 0, 0, digest_types, 0},
	{"root", "pin_digest_hash", F_STRING, 1u << 1, OFF(root.pin.digest_hash), SZ(root.pin.digest_hash), 0, 0, NULL, 0},
	{"root", "pin_digest_iterations", F_UINT, 1u << 2, OFF(root.pin.digest_iterations), 4, 1, 0xffffffffu, NULL, 0},
	{"root", "pin_digest_salt", F_HEX, 1u << 3, OFF(root.pin.digest_salt), SZ(root.pin.digest_salt), 0, 0, NULL, OFF(root.pin.digest_salt_len)},
	{"root", "pin_digest", F_HEX, 1u << 4, OFF(root.pin.digest), SZ(root.pin.digest), 0, 0, NULL, OFF(root.pin.digest_len)},
	{"root", "pin_cipher", F_STRING, 1u << 5, OFF(root.pin.cipher), SZ(root.pin.cipher), 0, 0, NULL, 0},
	{"root", "pin_key_size", F_UINT, 1u << 6, OFF(root.pin.key_size), 4, 1, DISK_PIN_KEY_MAX, NULL, 0},
	{"root", "pin_sector_size", F_UINT, 1u << 7, OFF(root.pin.sector_size), 4, 512, 4096, NULL, 0},
	{"root", "pin_offset", F_UINT64, 1u << 8, OFF(root.pin.offset), 8, 0, 0, NULL, 0},
	{"root", "pin_iv_tweak", F_UINT64, 1u << 9, OFF(root.pin.iv_tweak), 8, 0, 0, NULL, 0},
	{"root", "pin_size", F_SIZE, 1u << 10, OFF(root.pin.size), 8, 0, 0, NULL, 0},
	{"switch_root", "init", F_STRING, 0, OFF(switch_root.init), SZ(switch_root.init), 0, 0, NULL, 0},
	{"switch_root", "args", F_STRING_LIST, 0, OFF(switch_root.args), 0, 0, 0, NULL, 0},
	/* Which of the fields above a per-VM initdata document may set. */
	{"initdata", "mode", F_ENUM, 0, OFF(initdata.mode), SZ(initdata.mode), 0, 0, initdata_modes, 0},
	{"initdata", "allow", F_ALLOW_LIST, 0, OFF(initdata.allow), 0, 0, 0, NULL, 0},
	/* Initdata only (not a boot.toml table): who this VM is, for the log. */
	{"vm", "name", F_STRING, 0, OFF(vm.name), SZ(vm.name), 0, 0, NULL, 0},
	{"vm", "uuid", F_STRING, 0, OFF(vm.uuid), SZ(vm.uuid), 0, 0, NULL, 0},
};
const size_t bootcfg__field_count = sizeof bootcfg__fields / sizeof bootcfg__fields[0];
#define fields bootcfg__fields
#define FIELD_COUNT bootcfg__field_count
#define PIN_ALL_SET BOOTCFG__PIN_ALL_SET
/* initdata.allow is a 64-bit mask over this table. */
_Static_assert(sizeof bootcfg__fields / sizeof bootcfg__fields[0] <= 64, "initdata.allow holds 64 fields");

/* boot.toml's tables; [vm] is initdata's alone. */
static const char *const sections[] = {"log", "failure", "network", "attestation", "channel", "root", "switch_root",
				       "initdata", NULL};

struct toml_arena bootcfg__arena;

uint64_t bootcfg__field_bit(const struct field *f) { return UINT64_C(1) << (size_t)(f - fields); }

uint64_t bootcfg__pin_mask(void)
{
	uint64_t m = 0;
	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (fields[i].pin_bit)
			m |= UINT64_C(1) << i;
	return m;
}

/* The measured image alone decides how it is attested ([attestation]) and
 * what initdata may do ([initdata]): a host that could set either through
 * initdata could pick the simulator or widen its own permissions. */
int bootcfg__initdata_never(const char *section)
{
	return strcmp(section, "attestation") == 0 || strcmp(section, "initdata") == 0;
}

void bootcfg_defaults(struct boot_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->log_level = LOG_INFO;
	cfg->failure.action = FAILURE_RETRY;
	cfg->failure.retries = 3;
	cfg->failure.retry_delay_ms = 2000;
	cfg->failure.final_action = FAILURE_POWEROFF;
	cfg->net.mode = NET_MODE_DHCP;
	cfg->net.link_timeout_ms = 10000;
	cfg->net.dhcp_timeout_ms = 10000;
	cfg->net.dhcp_retries = 3;
	cfg->attestation.provider = ATTEST_AUTO;
	strcpy(cfg->attestation.sim_port, "org.snpboot.sim");
	cfg->channel.mode = CHANNEL_LISTEN;
	cfg->channel.listen_port = 7443;
	cfg->channel.deadline_s = 600;
	cfg->channel.max_attempts = 5;
	cfg->root.device_timeout_ms = 10000;
	strcpy(cfg->root.mapper_name, "root");
	strcpy(cfg->root.fstype, "ext4");
	strcpy(cfg->root.options, "ro");
	strcpy(cfg->switch_root.init, "/sbin/init");
}

const char *failure_action_name(enum failure_action a) { return failure_actions[a]; }

/* ---- value parsers shared by both front ends --------------------------------------- */

static int parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

static int parse_uint(const char *s, uint64_t *out)
{
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 0xffffffffull)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Decimal, up to INT64_MAX (what a TOML integer can hold too). */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_C(0x7fffffffffffffff) - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static void store_uint(void *dst, size_t size, uint64_t v)
{
	if (size == 1)
		*(uint8_t *)dst = (uint8_t)v;
	else if (size == 2)
		*(uint16_t *)dst = (uint16_t)v;
	else
		*(uint32_t *)dst = (uint32_t)v;
}

/* Sets a scalar field from text; msg gets "why" on failure. */
static int set_from_text(struct boot_config *cfg, const struct field *f, const char *s, char *msg, size_t msg_len)
{
	uint8_t *dst = (uint8_t *)cfg + f->offset;
	switch (f->kind) {
	case F_STRING:
		if (strlen(s) >= f->size) {
			snprintf(msg, msg_len, "is longer than %zu bytes", f->size - 1);
			return -1;
		}
		strcpy((char *)dst, s);
		return 0;
	case F_UINT: {
		uint64_t v;
		if (parse_uint(s, &v) != 0 || v < f->min || v > f->max) {
			snprintf(msg, msg_len, "must be a whole number from %u to %u, got '%s'", f->min, f->max, s);
			return -1;
		}
		store_uint(dst, f->size, v);
		return 0;
	}
	case F_UINT64:
		if (parse_u64(s, (uint64_t *)dst) != 0) {
			snprintf(msg, msg_len, "must be a whole number from 0 to 2^63-1, got '%.40s'", s);
			return -1;
		}
		return 0;
	case F_SIZE:
		/* LUKS2's own form: "dynamic" (to the end of the device, stored as 0) or bytes. */
		if (strcmp(s, "dynamic") == 0) {
			*(uint64_t *)dst = 0;
			return 0;
		}
		if (parse_u64(s, (uint64_t *)dst) != 0 || *(uint64_t *)dst == 0) {
			snprintf(msg, msg_len, "must be \"dynamic\" or a size in bytes, got '%.40s'", s);
			return -1;
		}
		return 0;
	case F_HEX: {
		size_t n = strlen(s);
		if (n == 0 || n % 2 || n / 2 > f->size || hex_decode(dst, n / 2, s, n) != 0) {
			snprintf(msg, msg_len, "must be 2 to %zu hex digits, got '%.40s'", f->size * 2, s);
			return -1;
		}
		*(size_t *)((uint8_t *)cfg + f->len_offset) = n / 2;
		return 0;
	}
	case F_ENUM:
		for (int i = 0; f->names[i]; i++)
			if (f->names[i][0] && strcmp(f->names[i], s) == 0) {
				*(int *)dst = i;
				return 0;
			}
		{
			int n = snprintf(msg, msg_len, "must be one of");
			for (int i = 0; f->names[i] && n > 0 && (size_t)n < msg_len; i++)
				if (f->names[i][0])
					n += snprintf(msg + n, msg_len - (size_t)n, " %s", f->names[i]);
			if (n > 0 && (size_t)n < msg_len)
				snprintf(msg + n, msg_len - (size_t)n, ", got '%s'", s);
		}
		return -1;
	case F_IPV4:
		if (parse_ipv4(s, (uint32_t *)dst) != 0) {
			snprintf(msg, msg_len, "must be an IPv4 address, got '%s'", s);
			return -1;
		}
		return 0;
	case F_CIDR: {
		char ip[16];
		const char *slash = strchr(s, '/');
		uint64_t prefix;
		size_t n = slash ? (size_t)(slash - s) : 0;
		if (!slash || n >= sizeof ip || parse_uint(slash + 1, &prefix) != 0 || prefix < 1 || prefix > 32) {
			snprintf(msg, msg_len, "must be ADDRESS/PREFIX (e.g. 10.0.2.15/24), got '%s'", s);
			return -1;
		}
		memcpy(ip, s, n);
		ip[n] = '\0';
		if (parse_ipv4(ip, &cfg->net.address) != 0) {
			snprintf(msg, msg_len, "must be ADDRESS/PREFIX with an IPv4 address, got '%s'", s);
			return -1;
		}
		cfg->net.prefix_len = (uint8_t)prefix;
		return 0;
	}
	case F_HOSTPORT: {
		char ip[16];
		const char *colon = strrchr(s, ':');
		uint64_t port;
		size_t n = colon ? (size_t)(colon - s) : 0;
		if (!colon || n >= sizeof ip || parse_uint(colon + 1, &port) != 0 || port < 1 || port > 65535) {
			snprintf(msg, msg_len, "must be IPV4:PORT (the first stage resolves no names), got '%s'", s);
			return -1;
		}
		memcpy(ip, s, n);
		ip[n] = '\0';
		if (parse_ipv4(ip, &cfg->channel.owner_ip) != 0) {
			snprintf(msg, msg_len, "must be IPV4:PORT (the first stage resolves no names), got '%s'", s);
			return -1;
		}
		cfg->channel.owner_port = (uint16_t)port;
		return 0;
	}
	default:
		snprintf(msg, msg_len, "is a list");
		return -1;
	}
}

/* One initdata.allow entry: "TABLE" (every key of it), "TABLE.KEY", or
 * "root.pin_*" (the whole disk pin). */
static int allow_add(struct boot_config *cfg, const char *s, char *msg, size_t msg_len)
{
	char section[32];
	const char *dot = strchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);
	if (n == 0 || n >= sizeof section) {
		snprintf(msg, msg_len, "entries must be TABLE or TABLE.KEY, got '%.40s'", s);
		return -1;
	}
	memcpy(section, s, n);
	section[n] = '\0';
	if (bootcfg__initdata_never(section)) {
		snprintf(msg, msg_len, "may never name [%s]: only the measured image decides %s", section,
			 strcmp(section, "attestation") == 0 ? "how it is attested" : "what initdata may set");
		return -1;
	}
	uint64_t add = 0;
	if (strcmp(s, "root.pin_*") == 0) {
		add = bootcfg__pin_mask();
	} else {
		for (size_t i = 0; i < FIELD_COUNT; i++)
			if (strcmp(fields[i].section, section) == 0 && (!dot || strcmp(fields[i].key, dot + 1) == 0))
				add |= UINT64_C(1) << i;
	}
	if (add == 0) {
		snprintf(msg, msg_len, "entries must be a table, TABLE.KEY or \"root.pin_*\", got '%.40s'", s);
		return -1;
	}
	cfg->initdata.allow |= add;
	return 0;
}

/* Appends one element to a list field. */
static int list_add(struct boot_config *cfg, const struct field *f, const char *s, char *msg, size_t msg_len)
{
	switch (f->kind) {
	case F_IPV4_LIST:
		if (cfg->net.dns_count == NET_DNS_MAX) {
			snprintf(msg, msg_len, "has more than %d entries", NET_DNS_MAX);
			return -1;
		}
		if (parse_ipv4(s, &cfg->net.dns[cfg->net.dns_count]) != 0) {
			snprintf(msg, msg_len, "entries must be IPv4 addresses, got '%s'", s);
			return -1;
		}
		cfg->net.dns_count++;
		return 0;
	case F_SHA256_LIST:
		if (cfg->channel.owner_key_count == BOOTCFG_MAX_OWNER_KEYS) {
			snprintf(msg, msg_len, "has more than %d entries", BOOTCFG_MAX_OWNER_KEYS);
			return -1;
		}
		if (hex_decode(cfg->channel.owner_keys[cfg->channel.owner_key_count], 32, s, strlen(s)) != 0) {
			snprintf(msg, msg_len, "entries must be 64 hex digits (SHA-256 of the owner's public key), got '%.70s'", s);
			return -1;
		}
		cfg->channel.owner_key_count++;
		return 0;
	case F_STRING_LIST:
		if (cfg->switch_root.arg_count == BOOTCFG_MAX_INIT_ARGS) {
			snprintf(msg, msg_len, "has more than %d entries", BOOTCFG_MAX_INIT_ARGS);
			return -1;
		}
		if (strlen(s) >= sizeof cfg->switch_root.args[0]) {
			snprintf(msg, msg_len, "entries must be shorter than %zu bytes", sizeof cfg->switch_root.args[0]);
			return -1;
		}
		strcpy(cfg->switch_root.args[cfg->switch_root.arg_count++], s);
		return 0;
	case F_ALLOW_LIST:
		return allow_add(cfg, s, msg, msg_len);
	default:
		return -1;
	}
}

static void list_clear(struct boot_config *cfg, const struct field *f)
{
	if (f->kind == F_IPV4_LIST)
		cfg->net.dns_count = 0;
	else if (f->kind == F_SHA256_LIST)
		cfg->channel.owner_key_count = 0;
	else if (f->kind == F_STRING_LIST)
		cfg->switch_root.arg_count = 0;
	else if (f->kind == F_ALLOW_LIST)
		cfg->initdata.allow = 0;
}

static int is_list(const struct field *f)
{
	return f->kind == F_IPV4_LIST || f->kind == F_SHA256_LIST || f->kind == F_STRING_LIST ||
	       f->kind == F_ALLOW_LIST;
}

/* ---- TOML front end --------------------------------------------------------------- */

const struct field *bootcfg__find_field(const char *section, const char *key)
{
	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (strcmp(fields[i].section, section) == 0 && strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

int bootcfg__load_value(struct boot_config *cfg, struct toml_doc *doc, const struct field *f,
			const struct toml_node *v, struct toml_error *terr)
{
	char msg[128];
	if (is_list(f)) {
		if (toml_expect(doc, v, TOML_ARRAY, terr) != 0)
			return -1;
		list_clear(cfg, f);
		for (const struct toml_node *e = toml_first(doc, v); e; e = toml_next(doc, e)) {
			const char *s = toml_string(doc, e, NULL);
			if (!s)
				return toml_errorf(terr, doc, e, "'%s.%s' entries must be strings, not %s", f->section,
						   f->key, toml_type_name(toml_type(e)));
			if (list_add(cfg, f, s, msg, sizeof msg) != 0)
				return toml_errorf(terr, doc, e, "'%s.%s' %s", f->section, f->key, msg);
		}
		return 0;
	}
	cfg->root.pin_set |= f->pin_bit;
	if (f->kind == F_UINT) {
		int64_t i;
		if (toml_get_int(doc, v, f->min, f->max, &i, terr) != 0)
			return -1;
		store_uint((uint8_t *)cfg + f->offset, f->size, (uint64_t)i);
		return 0;
	}
	if (f->kind == F_UINT64) {
		int64_t i;
		if (toml_get_int(doc, v, 0, INT64_MAX, &i, terr) != 0)
			return -1;
		*(uint64_t *)((uint8_t *)cfg + f->offset) = (uint64_t)i;
		return 0;
	}
	const char *s = toml_string(doc, v, NULL);
	if (!s)
		return toml_errorf(terr, doc, v, "'%s.%s' must be a string, not %s", f->section, f->key,
				   toml_type_name(toml_type(v)));
	if (set_from_text(cfg, f, s, msg, sizeof msg) != 0)
		return toml_errorf(terr, doc, v, "'%s.%s' %s", f->section, f->key, msg);
	return 0;
}

static int load_toml(struct boot_config *cfg, const char *file, const char *text, size_t len, char *err,
		     size_t err_len)
{
	struct toml_doc doc;
	struct toml_error terr;
	toml_doc_init_arena(&doc, &bootcfg__arena);
	if (toml_parse(&doc, file, text, len, &terr) != 0)
		goto fail;
	const struct toml_node *root = toml_root(&doc);
	if (toml_check_table_keys(&doc, root, "", sections, &terr) != 0)
		goto fail;
	for (const struct toml_node *sec = toml_first(&doc, root); sec; sec = toml_next(&doc, sec)) {
		const char *section = toml_key(&doc, sec);
		if (toml_expect(&doc, sec, TOML_TABLE, &terr) != 0)
			goto fail;
		for (const struct toml_node *kv = toml_first(&doc, sec); kv; kv = toml_next(&doc, kv)) {
			const struct field *f = bootcfg__find_field(section, toml_key(&doc, kv));
			if (!f) {
				toml_errorf(&terr, &doc, kv, "unknown key '%s.%s'", section, toml_key(&doc, kv));
				terr.column = toml_key_column(kv); /* point at the key, not its value */
				goto fail;
			}
			if (bootcfg__load_value(cfg, &doc, f, kv, &terr) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	toml_error_format(&terr, err, err_len);
	return -1;
}

/* ---- command-line front end ------------------------------------------------------- */

static int apply_override(struct boot_config *cfg, const struct cmdline_override *o, char *err, size_t err_len)
{
	char section[64], msg[128];
	const char *dot = strchr(o->key, '.');
	size_t n = dot ? (size_t)(dot - o->key) : 0;
	if (!dot || n >= sizeof section) {
		snprintf(err, err_len, "kernel command line: unknown key 'snpboot.%s'", o->key);
		return -1;
	}
	memcpy(section, o->key, n);
	section[n] = '\0';
	const struct field *f = bootcfg__find_field(section, dot + 1);
	if (!f || strcmp(section, "vm") == 0) { /* [vm] comes from initdata only */
		snprintf(err, err_len, "kernel command line: unknown key 'snpboot.%s'", o->key);
		return -1;
	}
	int rc = 0;
	cfg->root.pin_set |= f->pin_bit;
	if (is_list(f)) {
		/* Lists are comma-separated on the command line; an empty value clears. */
		char copy[sizeof o->value];
		strcpy(copy, o->value);
		list_clear(cfg, f);
		for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && rc == 0;
		     item = strtok_r(NULL, ",", &save))
			rc = list_add(cfg, f, item, msg, sizeof msg);
	} else {
		rc = set_from_text(cfg, f, o->value, msg, sizeof msg);
	}
	if (rc != 0)
		snprintf(err, err_len, "kernel command line: 'snpboot.%s' %s", o->key, msg);
	return rc;
}

/* ---- cross-field rules ------------------------------------------------------------- */

static int validate_disk_pin(const struct boot_config *cfg, const char *file, char *err, size_t err_len);

/* 1 when the value of section.key may still come from initdata: mode
 * "required" (a boot without initdata never happens) and the key allowed.
 * The guest checks every rule again, final, once initdata is applied. */
static int initdata_may_set(const struct boot_config *cfg, int final, uint64_t mask)
{
	return !final && cfg->initdata.mode == INITDATA_REQUIRED && mask && (cfg->initdata.allow & mask) == mask;
}

static uint64_t bit_of(const char *section, const char *key)
{
	const struct field *f = bootcfg__find_field(section, key);
	return f ? bootcfg__field_bit(f) : 0;
}

void bootcfg_deferred(const struct boot_config *cfg, char *out, size_t out_len)
{
	static const char *const keys[][2] = {{"channel", "owner_key_sha256"}, {"root", "device"},
					      {"network", "address"}, {"channel", "owner_address"}};
	int have[5] = {cfg->channel.owner_key_count > 0, cfg->root.device[0] != '\0',
		       cfg->net.mode != NET_MODE_STATIC || cfg->net.address != 0,
		       cfg->channel.mode != CHANNEL_CONNECT || cfg->channel.owner_port != 0, cfg->root.pin_set != 0};
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < 5 && n < out_len; i++) {
		if (have[i])
			continue;
		int w = snprintf(out + n, out_len - n, "%s%s%s%s", n ? " " : "", i < 4 ? keys[i][0] : "root",
				 i < 4 ? "." : "", i < 4 ? keys[i][1] : ".pin_*");
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Whatever runs after switch_root can obtain genuine reports for this
 * MEASUREMENT, so the measured configuration must say whom to trust with
 * the channel (owner keys) and which disk the key may open (the disk pin):
 * neither has a default, and neither can be left out. With initdata, the
 * measured configuration may leave them to the document bound to HOST_DATA,
 * which the owner's verifier checks. */
static int validate_pins(const struct boot_config *cfg, const char *file, int final, char *err, size_t err_len)
{
	if (cfg->channel.owner_key_count == 0 &&
	    initdata_may_set(cfg, final, bit_of("channel", "owner_key_sha256")))
		; /* initdata must bring it */
	else if (cfg->channel.owner_key_count == 0) {
		snprintf(err, err_len,
			 "%s: channel.owner_key_sha256 is empty: the first stage talks only to a pinned owner. Make a key "
			 "with `snpboot owner-key --generate owner.pem` and paste the line it prints",
			 file);
		return -1;
	}
	if (cfg->root.pin_set == 0 && initdata_may_set(cfg, final, bootcfg__pin_mask()))
		return 0;
	return validate_disk_pin(cfg, file, err, err_len);
}

/* [initdata] itself: the disk pin is one unit, and allow means nothing
 * without mode "required". */
static int validate_initdata(const struct boot_config *cfg, const char *file, char *err, size_t err_len)
{
	uint64_t pins = cfg->initdata.allow & bootcfg__pin_mask();
	if (pins && pins != bootcfg__pin_mask()) {
		snprintf(err, err_len, "%s: initdata.allow names part of the disk pin: the pin is one unit, allow "
			 "\"root.pin_*\" (or \"root\") or none of it", file);
		return -1;
	}
	if (cfg->initdata.mode == INITDATA_OFF && cfg->initdata.allow) {
		snprintf(err, err_len, "%s: initdata.allow is set but initdata.mode is \"off\": initdata is never "
			 "read; set initdata.mode = \"required\" or drop the list", file);
		return -1;
	}
	return 0;
}

/* The disk pin: all of it or nothing, and a pin the first stage accepts. */
static int validate_disk_pin(const struct boot_config *cfg, const char *file, char *err, size_t err_len)
{
	if (cfg->root.pin_set == 0) {
		snprintf(err, err_len,
			 "%s: [root] has no disk pin (root.pin_*): the key opens only the disk the measured "
			 "configuration pins. `snpboot disk-pin IMAGE` prints the lines",
			 file);
		return -1;
	}
	if (cfg->root.pin_set != PIN_ALL_SET) {
		int n = snprintf(err, err_len, "%s: the disk pin is incomplete, missing:", file);
		for (size_t i = 0; i < FIELD_COUNT && n > 0 && (size_t)n < err_len; i++)
			if (fields[i].pin_bit && !(cfg->root.pin_set & fields[i].pin_bit))
				n += snprintf(err + n, err_len - (size_t)n, " root.%s", fields[i].key);
		return -1;
	}
	char why[160];
	if (!disk_pin_valid(&cfg->root.pin, why, sizeof why)) {
		snprintf(err, err_len, "%s: the disk pin is not one the first stage accepts: %s", file, why);
		return -1;
	}
	return 0;
}

/* The SVSM service attestation (configfs-tsm service_provider; SVSM spec
 * #58019 section 7). Only with a provider named outright: "auto" could end
 * at /dev/sev-guest, which has no service path, and a guest that silently
 * sent a plain report instead would only be caught by the owner; naming
 * the provider makes the measured configuration say exactly which path
 * the report takes. */
static int validate_service(const struct boot_config *cfg, const char *file, char *err, size_t err_len)
{
	const char *sp = cfg->attestation.service_provider;
	uint8_t guid[16];
	if (sp[0] == '\0') {
		if (cfg->attestation.service_guid[0] || cfg->attestation.service_manifest_version) {
			snprintf(err, err_len, "%s: attestation.service_guid and attestation.service_manifest_version "
				 "need attestation.service_provider = \"svsm\"", file);
			return -1;
		}
		return 0;
	}
	if (strcmp(sp, "svsm") != 0) {
		snprintf(err, err_len, "%s: attestation.service_provider must be \"\" or \"svsm\", got '%s'", file, sp);
		return -1;
	}
	if (cfg->attestation.provider != ATTEST_CONFIGFS_TSM && cfg->attestation.provider != ATTEST_SIM) {
		snprintf(err, err_len, "%s: attestation.service_provider = \"svsm\" needs attestation.provider "
			 "\"configfs-tsm\" (or \"sim\"): \"auto\" could fall back to /dev/sev-guest, which has no "
			 "SVSM service attestation", file);
		return -1;
	}
	if (cfg->attestation.service_guid[0] && guid_parse(cfg->attestation.service_guid, guid) != 0) {
		snprintf(err, err_len, "%s: attestation.service_guid must be a GUID like %s, got '%s'", file,
			 GUID_SVSM_VTPM, cfg->attestation.service_guid);
		return -1;
	}
	if (cfg->attestation.vmpl != 0) {
		snprintf(err, err_len, "%s: attestation.vmpl = %u with service_provider = \"svsm\": the SVSM signs "
			 "its service attestation at VMPL 0; vmpl applies only without a service provider", file,
			 cfg->attestation.vmpl);
		return -1;
	}
	return 0;
}

int bootcfg__validate(const struct boot_config *cfg, const char *file, int final, char *err, size_t err_len)
{
	if (validate_service(cfg, file, err, err_len) != 0 || validate_initdata(cfg, file, err, err_len) != 0)
		return -1;
	if (cfg->net.mode == NET_MODE_STATIC && cfg->net.address == 0 &&
	    !initdata_may_set(cfg, final, bit_of("network", "address"))) {
		snprintf(err, err_len, "%s: network.mode = \"static\" needs network.address", file);
		return -1;
	}
	if (cfg->channel.mode == CHANNEL_CONNECT && cfg->channel.owner_port == 0 &&
	    !initdata_may_set(cfg, final, bit_of("channel", "owner_address"))) {
		snprintf(err, err_len, "%s: channel.mode = \"connect\" needs channel.owner_address", file);
		return -1;
	}
	if (cfg->channel.mode == CHANNEL_CONNECT && cfg->net.mode == NET_MODE_NONE) {
		snprintf(err, err_len, "%s: channel.mode = \"connect\" needs a network (network.mode is \"none\")", file);
		return -1;
	}
	if (cfg->root.device[0] == '\0' && !initdata_may_set(cfg, final, bit_of("root", "device"))) {
		snprintf(err, err_len, "%s: root.device is required (/dev/..., UUID=... or PARTUUID=...)", file);
		return -1;
	}
	if (cfg->switch_root.init[0] != '/') {
		snprintf(err, err_len, "%s: switch_root.init must be an absolute path, got '%s'", file,
			 cfg->switch_root.init);
		return -1;
	}
	if (validate_pins(cfg, file, final, err, err_len) != 0)
		return -1;
	if (strchr(cfg->root.mapper_name, '/') || cfg->root.mapper_name[0] == '\0') {
		snprintf(err, err_len, "%s: root.mapper_name must be a plain name, got '%s'", file, cfg->root.mapper_name);
		return -1;
	}
	return 0;
}

int bootcfg_load(struct boot_config *cfg, const char *file, const char *text, size_t len,
		 const struct cmdline_overrides *overrides, char *err, size_t err_len)
{
	bootcfg_defaults(cfg);
	if (load_toml(cfg, file, text, len, err, err_len) != 0)
		return -1;
	for (unsigned i = 0; overrides && i < overrides->count; i++)
		if (apply_override(cfg, &overrides->items[i], err, err_len) != 0)
			return -1;
	/* Complete unless initdata, required, may still bring what is missing. */
	return bootcfg__validate(cfg, file, cfg->initdata.mode == INITDATA_OFF, err, err_len);
}

int bootcfg_load_pin(const char *file, const char *text, size_t len, struct disk_pin *pin, char *err, size_t err_len)
{
	static struct toml_arena arena;
	static struct boot_config cfg;
	struct toml_doc doc;
	struct toml_error terr;
	bootcfg_defaults(&cfg);
	toml_doc_init_arena(&doc, &arena);
	if (toml_parse(&doc, file, text, len, &terr) != 0)
		goto fail;
	/* A whole boot.toml: its [root] table. The lines disk-pin prints: the top level. */
	const struct toml_node *t = toml_get_path(&doc, "root");
	if (!t)
		t = toml_root(&doc);
	if (toml_expect(&doc, t, TOML_TABLE, &terr) != 0)
		goto fail;
	for (const struct toml_node *kv = toml_first(&doc, t); kv; kv = toml_next(&doc, kv)) {
		const struct field *f = bootcfg__find_field("root", toml_key(&doc, kv));
		if (f && f->pin_bit && bootcfg__load_value(&cfg, &doc, f, kv, &terr) != 0)
			goto fail;
	}
	if (validate_disk_pin(&cfg, file, err, err_len) != 0)
		return -1;
	*pin = cfg.root.pin;
	return 0;
fail:
	toml_error_format(&terr, err, err_len);
	return -1;
}
