/* One guest connection to the broker (broker_session.h). */
#include "broker_session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "broker/broker_log.h"
#include "broker/broker_tcb.h"
#include "client/owner_verify.h"

/* What one session learnt, for its event and log line. */
struct outcome {
	enum broker_outcome what;
	char reason[BROKER_REASON_MAX];
	char vm[BROKER_NAME_MAX];
	int have_report;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The audit event, the log line and the counter of a finished session. */
static void record(struct broker_worker *w, const struct outcome *o, const char *peer)
{
	struct broker_event ev = {0};
	char report_id[65] = "", chip[129] = "", tcb[20] = "";
	snprintf(ev.vm_name, sizeof ev.vm_name, "%s", o->vm);
	snprintf(ev.reason, sizeof ev.reason, "%s", o->reason);
	snprintf(ev.peer, sizeof ev.peer, "%s", peer);
	ev.verdict = o->what == BROKER_OUT_RELEASED ? BROKER_VERDICT_RELEASED
		     : o->what == BROKER_OUT_INTERNAL ? BROKER_VERDICT_ERROR
						       : BROKER_VERDICT_REFUSED;
	if (o->have_report) {
		ev.has_report_id = ev.has_chip_id = ev.has_tcb = 1;
		memcpy(ev.report_id, w->report.report_id, sizeof ev.report_id);
		memcpy(ev.chip_id, w->report.chip_id, sizeof ev.chip_id);
		ev.reported_tcb = le64_load(w->report.reported_tcb);
		hex_encode(report_id, ev.report_id, sizeof ev.report_id);
		hex_encode(chip, ev.chip_id, 16); /* enough to tell chips apart in a log line */
		snprintf(tcb, sizeof tcb, "0x%016llx", (unsigned long long)ev.reported_tcb);
	}
	char err[BROKER_ERR_MAX];
	/* A session that never got as far as a report is noise (scanners,
	 * health checks) in the audit log, but still counted and logged. */
	if (o->have_report && broker_event_add(w->store, &ev, err, sizeof err) != 0)
		broker_log(BROKER_LOG_ERR, "cannot record the audit event: %s", err);
	broker_shared_outcome(w->shared, o->what);
	enum broker_log_level level = o->what == BROKER_OUT_RELEASED		 ? BROKER_LOG_NOTICE
				      : o->what == BROKER_OUT_INTERNAL		 ? BROKER_LOG_ERR
				      : o->what == BROKER_OUT_PROTOCOL && !o->have_report ? BROKER_LOG_INFO
										 : BROKER_LOG_WARNING;
	broker_log_event(level, broker_outcome_name(o->what), "vm", o->vm[0] ? o->vm : "-", "report_id",
			 report_id[0] ? report_id : "-", "chip_id", chip[0] ? chip : "-", "tcb", tcb[0] ? tcb : "-",
			 "peer", peer, "reason", o->reason, (const char *)NULL);
}

static void refuse(struct broker_worker *w, struct outcome *o, enum broker_outcome what, const char *guest_text,
		   const char *reason)
{
	o->what = what;
	snprintf(o->reason, sizeof o->reason, "%s", reason);
	owner_session_reject(&w->session, guest_text);
}

/* MEASUREMENT: the definition's own (fixed, or computed when the VM was
 * added and kept among its accepted ones) or another accepted one (a
 * rolling upgrade). The policy gets the reported value when it is accepted,
 * else the first accepted one, so a refusal says expected vs got. */
static int pick_measurement(struct broker_worker *w, const struct broker_vm *vm, uint8_t out[48])
{
	const uint8_t *got = w->report.measurement;
	int have_fixed = !w->def.measurement_computed;
	if (have_fixed && memcmp(w->def.measurement, got, 48) == 0) {
		memcpy(out, got, 48);
		return 0;
	}
	for (size_t i = 0; i < vm->n_measurements; i++)
		if (memcmp(vm->measurements[i], got, 48) == 0) {
			memcpy(out, got, 48);
			return 0;
		}
	if (have_fixed)
		memcpy(out, w->def.measurement, 48);
	else if (vm->n_measurements)
		memcpy(out, vm->measurements[0], 48);
	else
		return -1;
	return 0;
}

static int chip_allowed(const struct broker_vm *vm, const uint8_t chip[64])
{
	if (!vm->n_chip_ids)
		return 1;
	for (size_t i = 0; i < vm->n_chip_ids; i++)
		if (memcmp(vm->chip_ids[i], chip, 64) == 0)
			return 1;
	return 0;
}

/* The fleet's minimum TCB (`broker set min_tcb`), read for every session so
 * a change applies at once: it raises the definition's, never lowers it.
 * 0, or -1 with err (a setting that fails its MAC or does not parse). */
static int fleet_min_tcb(struct broker_worker *w, struct snp_verify_policy *policy, char *err, size_t err_len)
{
	char value[BROKER_SETTING_MAX];
	int found = 0;
	struct snp_tcb fleet;
	if (broker_setting_get(w->store, BROKER_SETTING_MIN_TCB, value, &found, err, err_len) != 0)
		return -1;
	if (!found)
		return 0;
	if (broker_tcb_parse(value, &fleet, err, err_len) != 0)
		return -1;
	if (!policy->has_min_tcb) {
		policy->min_tcb = fleet;
		policy->has_min_tcb = 1;
	} else {
		broker_tcb_max(&policy->min_tcb, &fleet);
	}
	return 0;
}

/* Verification against vm's definition. 0 verified; otherwise o says why. */
static int verify(struct broker_worker *w, const struct broker_vm *vm, struct outcome *o)
{
	char err[1024], note[1024], path[96];
	snprintf(path, sizeof path, "broker:%s", vm->name);
	if (vmdef_parse(path, vm->definition, vm->definition_len, &w->def, err, sizeof err) != 0) {
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker could not set up verification", err);
		return -1;
	}
	uint8_t m[48];
	if (pick_measurement(w, vm, m) != 0) {
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker could not set up verification",
		       "the definition's MEASUREMENT is \"computed\" and the store holds none for it (add the VM again)");
		return -1;
	}
	/* Never computed here: the files are read once, when the VM is added. */
	w->def.measurement_computed = 0;
	memcpy(w->def.measurement, m, sizeof m);
	struct snp_verify_policy policy;
	if (owner_verify_policy(&w->def, &w->session, &policy, err, sizeof err) != 0 ||
	    fleet_min_tcb(w, &policy, err, sizeof err) != 0) {
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker could not set up verification", err);
		return -1;
	}
	uint64_t t0 = now_us();
	int rc = owner_verify_report(&w->certs, &w->def, &w->session, &policy, &w->verdict, &w->report, note,
				     sizeof note, err, sizeof err);
	broker_shared_latency(w->shared, now_us() - t0);
	if (rc < 0) {
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker could not set up verification", err);
		return -1;
	}
	if (rc != 0) {
		char why[CHAN_REJECT_MAX + 1];
		owner_verify_refusal(&w->verdict, why, sizeof why);
		refuse(w, o, BROKER_OUT_REFUSED, why, why);
		return -1;
	}
	if (!chip_allowed(vm, w->report.chip_id)) {
		char hex[129];
		hex_encode(hex, w->report.chip_id, 16);
		snprintf(note, sizeof note, "CHIP_ID: expected one of the %zu allowed for vm '%s', got %s...",
			 vm->n_chip_ids, vm->name, hex);
		refuse(w, o, BROKER_OUT_REFUSED, "attestation refused: CHIP_ID not allowed", note);
		return -1;
	}
	return 0;
}

/* From a verified report to the guest's answer. */
static void release(struct broker_worker *w, const struct broker_vm *vm, struct outcome *o)
{
	char err[BROKER_ERR_MAX];
	struct broker_claim claim;
	enum broker_claim_result cr;
	if (broker_release_claim(w->store, w->report.report_id, vm->id, w->limits.claim_timeout_s, &claim, &cr, err,
				 sizeof err) != 0) {
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker cannot keep its release record", err);
		return;
	}
	if (cr != BROKER_CLAIMED) {
		refuse(w, o, BROKER_OUT_REPLAY,
		       cr == BROKER_ALREADY_UNLOCKED ? "one key release per launch: this REPORT_ID was already unlocked"
		       : cr == BROKER_KEY_SENT
			       ? "the key was sent for this REPORT_ID and no answer came: launch the VM again"
			       : "another session is releasing the key for this REPORT_ID",
		       cr == BROKER_ALREADY_UNLOCKED ? "REPORT_ID already unlocked: a second request in one launch"
		       : cr == BROKER_KEY_SENT	     ? "REPORT_ID's key was sent by an attempt that never finished"
						     : "REPORT_ID claimed by another session in flight");
		return;
	}
	uint8_t key[BROKER_DISK_KEY_MAX];
	size_t key_len = 0;
	char why[BROKER_ERR_MAX];
	if (broker_vm_disk_key(w->store, vm, key, sizeof key, &key_len, NULL, err, sizeof err) != 0) {
		broker_release_finish(w->store, &claim, BROKER_RELEASE_FAILED, why, sizeof why);
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker could not open the disk key", err);
		return;
	}
	/* On record before it leaves: a broker that dies now leaves a claim no
	 * other replica will serve again (the guest relaunches for a new one). */
	if (broker_release_mark_sent(w->store, &claim, err, sizeof err) != 0) {
		secure_wipe(key, sizeof key);
		refuse(w, o, BROKER_OUT_INTERNAL, "the broker cannot keep its release record", err);
		return;
	}
	struct chan_result result;
	char detail[CHAN_RESULT_DETAIL_MAX + 1];
	int sent = owner_session_release(&w->session, key, key_len, w->limits.result_ms, &result, detail, err, sizeof err);
	secure_wipe(key, sizeof key);
	if (sent != 0) {
		/* The key may have arrived: the claim stays pending (no retry until
		 * it times out), and the guest's silence is on record. */
		o->what = BROKER_OUT_PROTOCOL;
		snprintf(o->reason, sizeof o->reason, "key sent, no answer: %s", err);
		return;
	}
	int ok = result.status == CHAN_RESULT_OK;
	if (broker_release_finish(w->store, &claim, ok ? BROKER_RELEASE_UNLOCKED : BROKER_RELEASE_FAILED, err,
				  sizeof err) != 0)
		broker_log(BROKER_LOG_ERR, "vm '%s': the guest answered %s, but the release record failed: %s", vm->name,
			   ok ? "unlocked" : "failed", err);
	o->what = ok ? BROKER_OUT_RELEASED : BROKER_OUT_UNLOCK_FAILED;
	snprintf(o->reason, sizeof o->reason, "%s", detail[0] ? detail : ok ? "unlocked" : "unlock failed");
}

/* After the evidence: which VM, whether it may ask, and the rest. */
static void decide(struct broker_worker *w, struct outcome *o)
{
	char err[BROKER_ERR_MAX];
	if (snp_report_parse(&w->report, w->session.report, sizeof w->session.report, SNP_PRODUCT_UNKNOWN,
			     SNP_PARSE_ALLOW_UNSIGNED, err, sizeof err) != 0) {
		refuse(w, o, BROKER_OUT_PROTOCOL, "malformed attestation report", err);
		return;
	}
	o->have_report = 1;
	struct broker_vm vm;
	memset(&vm, 0, sizeof vm);
	if (broker_vm_find_host_data(w->store, w->report.host_data, &vm, err, sizeof err) != 0) {
		char hex[65];
		hex_encode(hex, w->report.host_data, 32);
		int unknown = strncmp(err, "no vm", 5) == 0;
		char why[BROKER_REASON_MAX];
		snprintf(why, sizeof why, "HOST_DATA %.16s...: %s", hex, err);
		refuse(w, o, unknown ? BROKER_OUT_UNKNOWN_VM : BROKER_OUT_INTERNAL,
		       unknown ? "no VM is registered with this HOST_DATA" : "the broker cannot read its store", why);
		broker_vm_free(&vm);
		return;
	}
	snprintf(o->vm, sizeof o->vm, "%s", vm.name);
	if (vm.state == BROKER_VM_REVOKED) {
		char why[BROKER_REASON_MAX];
		snprintf(why, sizeof why, "vm revoked: %s", vm.revoked_reason);
		refuse(w, o, BROKER_OUT_REVOKED, "this VM is revoked", why);
	} else if (broker_shared_vm_attempt(w->shared, vm.id, w->limits.vm_per_minute)) {
		refuse(w, o, BROKER_OUT_RATE_LIMITED, "too many attempts for this VM: try again later",
		       "per-VM attempts per minute exceeded");
	} else if (verify(w, &vm, o) == 0) {
		release(w, &vm, o);
	}
	broker_vm_free(&vm);
}

void broker_session_run(struct broker_worker *w, int fd, const char *peer, const char *source)
{
	struct outcome o = {.what = BROKER_OUT_PROTOCOL};
	char err[512];
	broker_shared_add(&w->shared->sessions_in_flight, 1);
	if (broker_shared_source_begin(w->shared, source, w->limits.source_per_minute, w->limits.source_in_flight)) {
		/* Not even a TLS handshake: that is the work a flood would cost us. */
		o.what = BROKER_OUT_RATE_LIMITED;
		snprintf(o.reason, sizeof o.reason, "source over its limits (attempts per minute or sessions open)");
		close(fd);
		record(w, &o, peer);
		broker_shared_add(&w->shared->sessions_in_flight, -1);
		return;
	}
	if (owner_session_handshake(&w->session, &w->tls, fd, w->limits.handshake_ms, err, sizeof err) != 0)
		snprintf(o.reason, sizeof o.reason, "TLS: %s", err);
	else if (owner_session_evidence(&w->session, w->limits.evidence_ms, err, sizeof err) != 0)
		snprintf(o.reason, sizeof o.reason, "evidence: %s", err);
	else
		decide(w, &o);
	owner_session_end(&w->session);
	broker_shared_source_done(w->shared, source);
	record(w, &o, peer);
	broker_shared_add(&w->shared->sessions_in_flight, -1);
}
