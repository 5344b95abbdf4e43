#include "client_output.h"

#include <stdio.h>
#include <string.h>

static const struct vmdef *kept_def;
static const struct snp_verify_result *kept_verdict;
static const char *kept_facts;
static size_t kept_facts_len;
static const struct explain_report *kept_why;

static void json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_entries(FILE *out, const struct snp_verify_entry *e, size_t n, int ok, int *first)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s\n    {\"check\": ", *first ? "" : ",");
		*first = 0;
		json_string(out, e[i].check, strlen(e[i].check));
		fprintf(out, ", \"ok\": %s, \"expected\": ", ok ? "true" : "false");
		json_string(out, e[i].expected, strlen(e[i].expected));
		fprintf(out, ", \"got\": ");
		json_string(out, e[i].got, strlen(e[i].got));
		fputc('}', out);
	}
}

void client_print_verdict(int json, const struct vmdef *def, const struct snp_verify_result *v,
			  const char *facts, size_t facts_len, const struct explain_report *why)
{
	if (json) {
		kept_why = why;
		kept_def = def;
		kept_verdict = v;
		kept_facts = facts;
		kept_facts_len = facts_len;
		return;
	}
	printf("attestation of '%s'%s:\n", def->name[0] ? def->name : def->file,
	       def->simulated ? " (SIMULATED platform, test root)" : "");
	for (size_t i = 0; i < v->n_passed; i++)
		printf("  ok    %-22s %s\n", v->passed[i].check, v->passed[i].got);
	for (size_t i = 0; i < v->n_failed; i++)
		printf("  FAIL  %-22s expected %s\n  %-28s got      %s\n", v->failed[i].check, v->failed[i].expected, "",
		       v->failed[i].got);
	if (why) {
		/* The summary names MEASUREMENT itself when a change explains it. */
		const char *subject = strncmp(why->summary, "MEASUREMENT", 11) == 0 ? "" : "MEASUREMENT: ";
		printf("  why   %s%s\n", subject, why->summary);
		for (size_t i = 0; i < why->n_notes; i++)
			printf("  note  %s\n", why->notes[i]);
	}
	if (v->stopped)
		printf("  (verification stopped early: nothing after this point can be trusted)\n");
	printf("verdict: %s\n", v->ok ? "VERIFIED" : "REFUSED");
	if (facts_len)
		printf("guest says: %.*s\n", (int)facts_len, facts);
	fflush(stdout);
}

void client_print_outcome(int json, const char *outcome, const char *detail)
{
	if (!json) {
		printf("result: %s%s%s\n", outcome, detail && *detail ? ": " : "", detail ? detail : "");
		fflush(stdout);
		return;
	}
	printf("{\n  \"vm\": ");
	json_string(stdout, kept_def ? kept_def->name : "", kept_def ? strlen(kept_def->name) : 0);
	printf(",\n  \"simulated\": %s,\n  \"verified\": %s,\n  \"checks\": [",
	       kept_def && kept_def->simulated ? "true" : "false", kept_verdict && kept_verdict->ok ? "true" : "false");
	int first = 1;
	if (kept_verdict) {
		json_entries(stdout, kept_verdict->passed, kept_verdict->n_passed, 1, &first);
		json_entries(stdout, kept_verdict->failed, kept_verdict->n_failed, 0, &first);
	}
	printf("\n  ],\n");
	if (kept_why) {
		printf("  \"measurement_explanation\": ");
		json_string(stdout, kept_why->summary, strlen(kept_why->summary));
		printf(",\n  \"measurement_notes\": [");
		for (size_t i = 0; i < kept_why->n_notes; i++) {
			printf("%s", i ? ", " : "");
			json_string(stdout, kept_why->notes[i], strlen(kept_why->notes[i]));
		}
		printf("],\n");
	}
	printf("  \"boot_facts\": ");
	json_string(stdout, kept_facts ? kept_facts : "", kept_facts_len);
	printf(",\n  \"outcome\": ");
	json_string(stdout, outcome, strlen(outcome));
	printf(",\n  \"detail\": ");
	json_string(stdout, detail ? detail : "", detail ? strlen(detail) : 0);
	printf("\n}\n");
	fflush(stdout);
}
