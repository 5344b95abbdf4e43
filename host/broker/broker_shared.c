/* The broker's shared counters and limits (broker_shared.h). */
#include "broker_shared.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

const double broker_latency_bounds[BROKER_LATENCY_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1,
							      0.25,  0.5,  1,     2.5,  10};

const char *broker_outcome_name(enum broker_outcome o)
{
	static const char *const names[BROKER_OUT_COUNT] = {
		"released", "unlock_failed", "unknown_vm", "revoked", "refused", "replay", "rate_limited", "protocol",
		"internal"};
	return (unsigned)o < BROKER_OUT_COUNT ? names[o] : "unknown";
}

struct broker_shared *broker_shared_create(void)
{
	struct broker_shared *sh =
		mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return NULL;
	memset(sh, 0, sizeof *sh);
	pthread_mutexattr_t a;
	/* Robust: a worker killed while holding the lock does not wedge the others. */
	if (pthread_mutexattr_init(&a) != 0 || pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) != 0 || pthread_mutex_init(&sh->limits_lock, &a) != 0) {
		munmap(sh, sizeof *sh);
		return NULL;
	}
	pthread_mutexattr_destroy(&a);
	return sh;
}

void broker_shared_add(uint64_t *counter, int64_t delta)
{
	__atomic_add_fetch(counter, (uint64_t)delta, __ATOMIC_RELAXED);
}

void broker_shared_outcome(struct broker_shared *sh, enum broker_outcome o)
{
	if ((unsigned)o < BROKER_OUT_COUNT)
		broker_shared_add(&sh->outcomes[o], 1);
}

void broker_shared_latency(struct broker_shared *sh, uint64_t micros)
{
	size_t i = 0;
	while (i < BROKER_LATENCY_BUCKETS && (double)micros / 1e6 > broker_latency_bounds[i])
		i++;
	broker_shared_add(&sh->latency_bucket[i], 1);
	broker_shared_add(&sh->latency_count, 1);
	broker_shared_add(&sh->latency_sum_us, (int64_t)micros);
}

/* FNV-1a: spreads addresses over the slots; 0 is reserved for "empty". */
static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h ? h : 1;
}

static void lock(struct broker_shared *sh)
{
	if (pthread_mutex_lock(&sh->limits_lock) == EOWNERDEAD)
		pthread_mutex_consistent(&sh->limits_lock);
}

/* The slot for key: its own, else an empty or stale one (a table full of
 * live keys reuses the last probed slot: limits become approximate, never
 * blocking). */
static struct broker_limit_slot *slot(struct broker_limit_slot *t, uint64_t key, int64_t minute)
{
	struct broker_limit_slot *free_slot = NULL;
	for (size_t i = 0; i < 16; i++) {
		struct broker_limit_slot *s = &t[(key + i) % BROKER_LIMIT_SLOTS];
		if (s->key == key)
			return s;
		if (!free_slot && (s->key == 0 || (s->window < minute && s->in_flight == 0)))
			free_slot = s;
	}
	if (!free_slot)
		free_slot = &t[(key + 15) % BROKER_LIMIT_SLOTS];
	memset(free_slot, 0, sizeof *free_slot);
	free_slot->key = key;
	free_slot->window = minute;
	return free_slot;
}

static int64_t this_minute(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec / 60;
}

int broker_shared_source_begin(struct broker_shared *sh, const char *source, unsigned per_minute,
			       unsigned max_in_flight)
{
	int64_t minute = this_minute();
	lock(sh);
	struct broker_limit_slot *s = slot(sh->sources, hash_text(source), minute);
	if (s->window != minute) {
		s->window = minute;
		s->count = 0;
	}
	int over = (per_minute && s->count >= per_minute) || (max_in_flight && s->in_flight >= max_in_flight);
	s->count++;
	if (!over)
		s->in_flight++;
	pthread_mutex_unlock(&sh->limits_lock);
	return over;
}

void broker_shared_source_done(struct broker_shared *sh, const char *source)
{
	lock(sh);
	struct broker_limit_slot *s = slot(sh->sources, hash_text(source), this_minute());
	if (s->in_flight)
		s->in_flight--;
	pthread_mutex_unlock(&sh->limits_lock);
}

int broker_shared_vm_attempt(struct broker_shared *sh, int64_t vm_id, unsigned per_minute)
{
	if (!per_minute)
		return 0;
	int64_t minute = this_minute();
	lock(sh);
	struct broker_limit_slot *s = slot(sh->vms, (uint64_t)vm_id * 2654435761u + 1, minute);
	if (s->window != minute) {
		s->window = minute;
		s->count = 0;
	}
	int over = s->count >= per_minute;
	s->count++;
	pthread_mutex_unlock(&sh->limits_lock);
	return over;
}

size_t broker_shared_render(const struct broker_shared *sh, char *out, size_t cap)
{
	size_t n = 0;
#define EMIT(...)                                                                      \
	do {                                                                           \
		int w = snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__);          \
		if (w > 0)                                                             \
			n += (size_t)w;                                                \
	} while (0)
	EMIT("# HELP snpboot_broker_sessions_total Sessions by how they ended.\n");
	EMIT("# TYPE snpboot_broker_sessions_total counter\n");
	for (int o = 0; o < BROKER_OUT_COUNT; o++)
		EMIT("snpboot_broker_sessions_total{outcome=\"%s\"} %llu\n", broker_outcome_name((enum broker_outcome)o),
		     (unsigned long long)__atomic_load_n(&sh->outcomes[o], __ATOMIC_RELAXED));
	EMIT("# HELP snpboot_broker_sessions_in_flight Guest sessions open now (handshakes included).\n");
	EMIT("# TYPE snpboot_broker_sessions_in_flight gauge\n");
	EMIT("snpboot_broker_sessions_in_flight %llu\n",
	     (unsigned long long)__atomic_load_n(&sh->sessions_in_flight, __ATOMIC_RELAXED));
	EMIT("# HELP snpboot_broker_workers Worker processes alive.\n");
	EMIT("# TYPE snpboot_broker_workers gauge\n");
	EMIT("snpboot_broker_workers %llu\n", (unsigned long long)__atomic_load_n(&sh->workers_alive, __ATOMIC_RELAXED));
	EMIT("# HELP snpboot_broker_verify_seconds Time to verify a guest's evidence (certificates, CRL, report).\n");
	EMIT("# TYPE snpboot_broker_verify_seconds histogram\n");
	uint64_t cumulative = 0;
	for (int i = 0; i <= BROKER_LATENCY_BUCKETS; i++) {
		cumulative += __atomic_load_n(&sh->latency_bucket[i], __ATOMIC_RELAXED);
		if (i < BROKER_LATENCY_BUCKETS)
			EMIT("snpboot_broker_verify_seconds_bucket{le=\"%g\"} %llu\n", broker_latency_bounds[i],
			     (unsigned long long)cumulative);
		else
			EMIT("snpboot_broker_verify_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
	}
	EMIT("snpboot_broker_verify_seconds_sum %.6f\n",
	     (double)__atomic_load_n(&sh->latency_sum_us, __ATOMIC_RELAXED) / 1e6);
	EMIT("snpboot_broker_verify_seconds_count %llu\n",
	     (unsigned long long)__atomic_load_n(&sh->latency_count, __ATOMIC_RELAXED));
#undef EMIT
	return n < cap ? n : cap ? cap - 1 : 0;
}
