/* State the broker's processes share (one anonymous shared mapping made
 * before the workers are forked): the counters behind the metrics
 * endpoint, and the per-source and per-VM limits. Workers update it with
 * atomics, or under one process-shared mutex for the limit tables. Nothing
 * secret lives here. */
#ifndef SNPBOOT_HOST_BROKER_SHARED_H
#define SNPBOOT_HOST_BROKER_SHARED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Why a session ended (the metrics label "reason"). */
enum broker_outcome {
	BROKER_OUT_RELEASED,      /* the key went out and the guest unlocked */
	BROKER_OUT_UNLOCK_FAILED, /* the key went out, the guest could not unlock */
	BROKER_OUT_UNKNOWN_VM,    /* no VM has the report's HOST_DATA */
	BROKER_OUT_REVOKED,       /* the VM is revoked */
	BROKER_OUT_REFUSED,       /* the report did not verify */
	BROKER_OUT_REPLAY,        /* REPORT_ID already unlocked (or in flight elsewhere) */
	BROKER_OUT_RATE_LIMITED,  /* too many attempts from the source or for the VM */
	BROKER_OUT_PROTOCOL,      /* TLS, framing, timeouts: the peer misbehaved or went away */
	BROKER_OUT_INTERNAL,      /* the store or the broker itself failed */
	BROKER_OUT_COUNT
};
const char *broker_outcome_name(enum broker_outcome o);

/* Verification latency buckets (seconds), Prometheus style (+Inf last). */
#define BROKER_LATENCY_BUCKETS 10
extern const double broker_latency_bounds[BROKER_LATENCY_BUCKETS];

#define BROKER_LIMIT_SLOTS 1024

struct broker_limit_slot {
	uint64_t key;       /* hash of the source address or VM id; 0 = empty */
	int64_t window;     /* the minute this count is for */
	uint32_t count;     /* attempts in that minute */
	uint32_t in_flight; /* sessions open now (sources only) */
};

struct broker_shared {
	uint64_t outcomes[BROKER_OUT_COUNT];
	uint64_t sessions_in_flight;
	uint64_t latency_bucket[BROKER_LATENCY_BUCKETS + 1]; /* cumulative counts are made when rendering */
	uint64_t latency_count;
	uint64_t latency_sum_us;
	uint64_t workers_alive;
	pthread_mutex_t limits_lock;
	struct broker_limit_slot sources[BROKER_LIMIT_SLOTS];
	struct broker_limit_slot vms[BROKER_LIMIT_SLOTS];
};

/* A zeroed shared mapping with its mutex set up. NULL on failure (errno). */
struct broker_shared *broker_shared_create(void);

void broker_shared_outcome(struct broker_shared *sh, enum broker_outcome o);
void broker_shared_latency(struct broker_shared *sh, uint64_t micros);
void broker_shared_add(uint64_t *counter, int64_t delta);

/* A session from source starts: 0 if allowed (in_flight counted: call
 * broker_shared_source_done after), 1 if over per_minute attempts or
 * max_in_flight open sessions. 0 for a limit means none. */
int broker_shared_source_begin(struct broker_shared *sh, const char *source, unsigned per_minute,
			       unsigned max_in_flight);
void broker_shared_source_done(struct broker_shared *sh, const char *source);
/* An attempt for VM vm_id: 0 allowed, 1 over per_minute. */
int broker_shared_vm_attempt(struct broker_shared *sh, int64_t vm_id, unsigned per_minute);

/* The Prometheus text exposition of the counters into out (NUL-terminated). */
size_t broker_shared_render(const struct broker_shared *sh, char *out, size_t cap);

#endif
