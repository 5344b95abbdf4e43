/* Payload layouts of the channel's frames; see chan_payload.h. */
#include "chan_payload.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "chan_frame.h"
#include "base/err_text.h"

struct item_rule {
	uint8_t tag;
	const char *name;
	size_t min, max;
	int required;
	int text;
};

struct item_view {
	const uint8_t *p;
	size_t len;
	int present;
};

static const struct item_rule evidence_rules[] = {
	{CHAN_EV_REPORT, "REPORT", CHAN_REPORT_LEN, CHAN_REPORT_LEN, 1, 0},
	{CHAN_EV_CERT_TABLE, "CERT_TABLE", 1, CHAN_EVIDENCE_MAX, 0, 0},
	{CHAN_EV_BOOT_FACTS, "BOOT_FACTS", 0, CHAN_BOOT_FACTS_MAX, 1, 1},
	{CHAN_EV_SERVICE_MANIFEST, "SERVICE_MANIFEST", 0, CHAN_MANIFEST_MAX, 0, 0},
};
#define N_EVIDENCE (sizeof(evidence_rules) / sizeof(evidence_rules[0]))

static const struct item_rule secrets_rules[] = {
	{CHAN_SEC_DISK_KEY, "DISK_KEY", 1, CHAN_DISK_KEY_MAX, 1, 0},
};
#define N_SECRETS (sizeof(secrets_rules) / sizeof(secrets_rules[0]))

int chan_text_check(const char *what, const uint8_t *p, size_t len, char *err, size_t err_len)
{
	for (size_t i = 0; i < len; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\n')
			return err_set(err, err_len, "%s: byte 0x%02x at offset %zu is not printable text", what, p[i], i);
	return 0;
}

static int decode_items(const char *payload, size_t max, const struct item_rule *rules, size_t n_rules,
			struct item_view *view, const uint8_t *p, size_t len, char *err, size_t err_len)
{
	size_t off = 0;
	unsigned last_tag = 0;

	memset(view, 0, n_rules * sizeof(view[0]));
	if (len > max)
		return err_set(err, err_len, "%s payload of %zu bytes exceeds %zu", payload, len, max);
	while (off < len) {
		if (len - off < CHAN_ITEM_HEADER_LEN)
			return err_set(err, err_len, "%s payload: item header at offset %zu cut short (%zu of %d bytes)",
				    payload, off, len - off, CHAN_ITEM_HEADER_LEN);
		unsigned tag = p[off];
		uint32_t ilen = be32_load(p + off + 1);
		size_t r = 0;
		while (r < n_rules && rules[r].tag != tag)
			r++;
		if (r == n_rules)
			return err_set(err, err_len, "%s payload: item tag %u at offset %zu is unknown", payload, tag, off);
		const struct item_rule *rule = &rules[r];
		if (tag <= last_tag)
			return err_set(err, err_len, "%s payload: item %s at offset %zu is repeated or out of order",
				    payload, rule->name, off);
		last_tag = tag;
		off += CHAN_ITEM_HEADER_LEN;
		if (ilen > len - off)
			return err_set(err, err_len, "%s payload: item %s claims %lu bytes but only %zu remain", payload,
				    rule->name, (unsigned long)ilen, len - off);
		if (rule->min == rule->max && ilen != rule->min)
			return err_set(err, err_len, "%s payload: item %s is %lu bytes, expected exactly %zu", payload,
				    rule->name, (unsigned long)ilen, rule->min);
		if (ilen < rule->min || ilen > rule->max)
			return err_set(err, err_len, "%s payload: item %s is %lu bytes, expected %zu to %zu", payload,
				    rule->name, (unsigned long)ilen, rule->min, rule->max);
		if (rule->text) {
			char what[64];
			snprintf(what, sizeof(what), "%s payload: item %s", payload, rule->name);
			if (chan_text_check(what, p + off, ilen, err, err_len))
				return -1;
		}
		view[r].p = p + off;
		view[r].len = ilen;
		view[r].present = 1;
		off += ilen;
	}
	for (size_t r = 0; r < n_rules; r++)
		if (rules[r].required && !view[r].present)
			return err_set(err, err_len, "%s payload: required item %s is missing", payload, rules[r].name);
	return 0;
}

/* Appends one item; returns 0, or -1 if out is too small. */
static int put_item(uint8_t *out, size_t cap, size_t *off, uint8_t tag, const void *val, size_t len)
{
	if (len > UINT32_MAX || cap - *off < CHAN_ITEM_HEADER_LEN || len > cap - *off - CHAN_ITEM_HEADER_LEN)
		return -1;
	out[*off] = tag;
	be32_store(out + *off + 1, (uint32_t)len);
	if (len)
		memcpy(out + *off + CHAN_ITEM_HEADER_LEN, val, len);
	*off += CHAN_ITEM_HEADER_LEN + len;
	return 0;
}

size_t chan_evidence_encode(uint8_t *out, size_t cap, const struct chan_evidence *ev, char *err, size_t err_len)
{
	struct chan_evidence check;
	size_t off = 0;
	if (!ev->report) {
		err_set(err, err_len, "EVIDENCE payload: no report");
		return 0;
	}
	if (cap > CHAN_EVIDENCE_MAX)
		cap = CHAN_EVIDENCE_MAX; /* what fits in one frame */
	if (put_item(out, cap, &off, CHAN_EV_REPORT, ev->report, CHAN_REPORT_LEN) ||
	    (ev->cert_table && put_item(out, cap, &off, CHAN_EV_CERT_TABLE, ev->cert_table, ev->cert_table_len)) ||
	    put_item(out, cap, &off, CHAN_EV_BOOT_FACTS, ev->boot_facts, ev->boot_facts_len) ||
	    (ev->has_manifest &&
	     put_item(out, cap, &off, CHAN_EV_SERVICE_MANIFEST, ev->manifest, ev->manifest_len))) {
		err_set(err, err_len, "EVIDENCE payload does not fit in %zu bytes", cap);
		return 0;
	}
	/* What is sent must be what the other end accepts: check with the decoder. */
	if (chan_evidence_decode(&check, out, off, err, err_len))
		return 0;
	return off;
}

int chan_evidence_decode(struct chan_evidence *ev, const uint8_t *p, size_t len, char *err, size_t err_len)
{
	struct item_view v[N_EVIDENCE];
	memset(ev, 0, sizeof(*ev));
	if (decode_items("EVIDENCE", CHAN_EVIDENCE_MAX, evidence_rules, N_EVIDENCE, v, p, len, err, err_len))
		return -1;
	ev->report = v[0].p;
	if (v[1].present) {
		ev->cert_table = v[1].p;
		ev->cert_table_len = v[1].len;
	}
	ev->boot_facts = (const char *)v[2].p;
	ev->boot_facts_len = v[2].len;
	if (v[3].present) {
		ev->has_manifest = 1;
		ev->manifest = v[3].p;
		ev->manifest_len = v[3].len;
	}
	return 0;
}

size_t chan_secrets_encode(uint8_t *out, size_t cap, const struct chan_secrets *s, char *err, size_t err_len)
{
	struct chan_secrets check;
	size_t off = 0;
	if (cap > CHAN_SECRETS_MAX)
		cap = CHAN_SECRETS_MAX;
	if (put_item(out, cap, &off, CHAN_SEC_DISK_KEY, s->disk_key, s->disk_key_len)) {
		err_set(err, err_len, "SECRETS payload does not fit in %zu bytes", cap);
		return 0;
	}
	if (chan_secrets_decode(&check, out, off, err, err_len)) {
		secure_wipe(out, off);
		return 0;
	}
	return off;
}

int chan_secrets_decode(struct chan_secrets *s, const uint8_t *p, size_t len, char *err, size_t err_len)
{
	struct item_view v[N_SECRETS];
	memset(s, 0, sizeof(*s));
	if (decode_items("SECRETS", CHAN_SECRETS_MAX, secrets_rules, N_SECRETS, v, p, len, err, err_len))
		return -1;
	s->disk_key = v[0].p;
	s->disk_key_len = v[0].len;
	return 0;
}

const char *chan_result_status_name(unsigned status)
{
	switch (status) {
	case CHAN_RESULT_OK:
		return "ok";
	case CHAN_RESULT_RETRY:
		return "failed, retry allowed";
	case CHAN_RESULT_FAILED:
		return "failed";
	default:
		return NULL;
	}
}

size_t chan_result_encode(uint8_t *out, size_t cap, unsigned status, const char *detail, char *err,
			  size_t err_len)
{
	struct chan_result check;
	size_t n = detail ? strlen(detail) : 0;
	if (n > CHAN_RESULT_DETAIL_MAX)
		n = CHAN_RESULT_DETAIL_MAX; /* a long message is cut, not lost */
	if (cap < 1 + n) {
		err_set(err, err_len, "RESULT payload does not fit in %zu bytes", cap);
		return 0;
	}
	out[0] = (uint8_t)status;
	for (size_t i = 0; i < n; i++) /* text without its NUL: a byte copy, not a string copy */
		out[1 + i] = (uint8_t)detail[i];
	if (chan_result_decode(&check, out, 1 + n, err, err_len))
		return 0;
	return 1 + n;
}

int chan_result_decode(struct chan_result *r, const uint8_t *p, size_t len, char *err, size_t err_len)
{
	memset(r, 0, sizeof(*r));
	if (len < 1)
		return err_set(err, err_len, "RESULT payload is empty, expected a status byte");
	if (len > CHAN_RESULT_MAX)
		return err_set(err, err_len, "RESULT payload of %zu bytes exceeds %d", len, CHAN_RESULT_MAX);
	if (!chan_result_status_name(p[0]))
		return err_set(err, err_len, "RESULT status %u is unknown", p[0]);
	if (chan_text_check("RESULT detail", p + 1, len - 1, err, err_len))
		return -1;
	r->status = p[0];
	r->detail = (const char *)(p + 1);
	r->detail_len = len - 1;
	return 0;
}

int chan_reject_check(const uint8_t *p, size_t len, char *err, size_t err_len)
{
	if (len == 0)
		return err_set(err, err_len, "REJECT reason is empty");
	if (len > CHAN_REJECT_MAX)
		return err_set(err, err_len, "REJECT reason of %zu bytes exceeds %d", len, CHAN_REJECT_MAX);
	return chan_text_check("REJECT reason", p, len, err, err_len);
}
