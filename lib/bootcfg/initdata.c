/* Initdata: the per-VM settings the host hands in (QEMU fw_cfg), applied
 * over the measured boot.toml. The document is not measured; what makes
 * it safe is that the guest only uses it after checking HOST_DATA =
 * SHA-256(document) (init/initdata.c), so every report of this launch
 * names exactly the document in use and the owner's verifier, which
 * expects its own document's digest, refuses any other. This file only
 * decides what a document may say: the keys boot.toml's initdata.allow
 * names, with boot.toml's types and ranges, and never anything that
 * changes how the guest is attested or weakens a pin. */
#include <stdio.h>
#include <string.h>

#include "base/guid.h"
#include "bootcfg.h"
#include "bootcfg_impl.h"
#include "toml/toml.h"

/* Initdata's tables: boot.toml's, without the two it may never set, and
 * [vm]. [attestation] and [initdata] get their own message below. */
static const char *const initdata_tables[] = {"vm", "log", "failure", "network", "channel", "root", "switch_root",
					      NULL};

static int known_table(const char *name)
{
	for (size_t i = 0; initdata_tables[i]; i++)
		if (strcmp(initdata_tables[i], name) == 0)
			return 1;
	return 0;
}

/* Lists the pin keys next lacks into msg. */
static void missing_pins(const struct boot_config *next, char *msg, size_t msg_len)
{
	size_t n = 0;
	msg[0] = '\0';
	for (size_t i = 0; i < bootcfg__field_count && n < msg_len; i++) {
		const struct field *f = &bootcfg__fields[i];
		if (!f->pin_bit || (next->root.pin_set & f->pin_bit))
			continue;
		int w = snprintf(msg + n, msg_len - n, " root.%s", f->key);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

static int apply_key(struct boot_config *next, struct toml_doc *doc, const char *section,
		     const struct toml_node *kv, struct toml_error *terr)
{
	const char *key = toml_key(doc, kv);
	const struct field *f = bootcfg__find_field(section, key);
	if (!f || (strcmp(section, "vm") != 0 && !(next->initdata.allow & bootcfg__field_bit(f)))) {
		if (!f)
			toml_errorf(terr, doc, kv, "unknown key '%s.%s'", section, key);
		else
			toml_errorf(terr, doc, kv, "'%s.%s' is not allowed in initdata: the image's boot.toml "
				    "initdata.allow does not name it", section, key);
		terr->column = toml_key_column(kv); /* point at the key, not its value */
		return -1;
	}
	if (bootcfg__load_value(next, doc, f, kv, terr) != 0)
		return -1;
	/* An empty list would not remove the requirement (the rules below
	 * still demand a pin) but it says something no owner means. */
	if (f->kind == F_SHA256_LIST && next->channel.owner_key_count == 0)
		return toml_errorf(terr, doc, kv, "'channel.owner_key_sha256' in initdata must name at least one key");
	if (strcmp(section, "vm") == 0 && strcmp(key, "uuid") == 0) {
		uint8_t g[16];
		if (guid_parse(next->vm.uuid, g) != 0)
			return toml_errorf(terr, doc, kv, "'vm.uuid' must be a UUID like %s, got '%s'",
					   GUID_SVSM_VTPM, next->vm.uuid);
	}
	return 0;
}

static int apply_doc(struct boot_config *next, const char *file, const char *text, size_t len,
		     struct toml_error *terr)
{
	struct toml_doc doc;
	toml_doc_init_arena(&doc, &bootcfg__arena);
	if (toml_parse(&doc, file, text, len, terr) != 0)
		return -1;
	for (const struct toml_node *t = toml_first(&doc, toml_root(&doc)); t; t = toml_next(&doc, t)) {
		const char *section = toml_key(&doc, t);
		int rc = 0;
		if (bootcfg__initdata_never(section))
			rc = toml_errorf(terr, &doc, t, "initdata may never set [%s]: only the measured image decides %s",
					 section, strcmp(section, "attestation") == 0 ? "how it is attested"
										  : "what initdata may set");
		else if (!known_table(section))
			rc = toml_errorf(terr, &doc, t, "unknown table '%s' in initdata", section);
		if (rc != 0) {
			terr->column = toml_key_column(t);
			return -1;
		}
		if (toml_expect(&doc, t, TOML_TABLE, terr) != 0)
			return -1;
		for (const struct toml_node *kv = toml_first(&doc, t); kv; kv = toml_next(&doc, kv))
			if (apply_key(next, &doc, section, kv, terr) != 0)
				return -1;
	}
	return 0;
}

/* The pin initdata gives is whole or absent; absent leaves boot.toml's. */
static int check_pin_unit(struct boot_config *next, uint32_t boot_pins, const char *file, char *err, size_t err_len)
{
	if (next->root.pin_set == 0) {
		next->root.pin_set = boot_pins; /* boot.toml's pin stands */
		return 0;
	}
	if (next->root.pin_set == BOOTCFG__PIN_ALL_SET)
		return 0;
	char missing[320];
	missing_pins(next, missing, sizeof missing);
	snprintf(err, err_len, "%s: initdata gives part of the disk pin: the pin is one unit, missing:%s", file, missing);
	return -1;
}

int bootcfg_check_initdata(const char *file, const char *text, size_t len, char *err, size_t err_len)
{
	static struct boot_config next;
	struct toml_error terr;
	if (len > BOOTCFG_INITDATA_MAX) {
		snprintf(err, err_len, "%s: %zu bytes, initdata is at most %d", file, len, BOOTCFG_INITDATA_MAX);
		return -1;
	}
	bootcfg_defaults(&next);
	next.initdata.mode = INITDATA_REQUIRED;
	for (size_t i = 0; i < bootcfg__field_count; i++)
		if (!bootcfg__initdata_never(bootcfg__fields[i].section))
			next.initdata.allow |= UINT64_C(1) << i;
	if (apply_doc(&next, file, text, len, &terr) != 0) {
		toml_error_format(&terr, err, err_len);
		return -1;
	}
	return check_pin_unit(&next, 0, file, err, err_len);
}

int bootcfg_apply_initdata(struct boot_config *cfg, const char *file, const char *text, size_t len, char *err,
			   size_t err_len)
{
	/* Static: PID 1 keeps a small stack; cfg is only replaced on success,
	 * so a refused document leaves the failure policy boot.toml set. */
	static struct boot_config next;
	struct toml_error terr;
	if (cfg->initdata.mode != INITDATA_REQUIRED) {
		snprintf(err, err_len, "%s: the image's boot.toml does not read initdata (initdata.mode = \"off\")", file);
		return -1;
	}
	if (len > BOOTCFG_INITDATA_MAX) {
		snprintf(err, err_len, "%s: %zu bytes, initdata is at most %d", file, len, BOOTCFG_INITDATA_MAX);
		return -1;
	}
	next = *cfg;
	next.root.pin_set = 0; /* the pins initdata itself gives */
	if (apply_doc(&next, file, text, len, &terr) != 0) {
		toml_error_format(&terr, err, err_len);
		return -1;
	}
	if (check_pin_unit(&next, cfg->root.pin_set, file, err, err_len) != 0)
		return -1;
	if (bootcfg__validate(&next, file, 1, err, err_len) != 0)
		return -1;
	next.initdata.applied = 1;
	*cfg = next;
	return 0;
}
