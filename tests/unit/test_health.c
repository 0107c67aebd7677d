// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the vpnhad health checker (vpnha_health.c) and the
 * probe packets (vpnha_probe.c), on an injected clock.
 */
#include <zebra.h>

#include "vpnha_cunit.h"

#include "vpnha.h"
#include "vpnha_health.h"
#include "vpnha_probe.h"
#include "vpnha_sched.h"

#define MS 1000LL
#define T0 (1000000LL * MS) /* arbitrary non-zero monotonic start, us */

/* CU_ASSERT_EQUAL with the values in the failure message. */
#define EXPECT_EQ(a, b)                                                        \
	do {                                                                   \
		long long _a = (a), _b = (b);                                  \
		if (_a != _b)                                                  \
			fprintf(stderr, "\n%s:%d: %s = %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, _a, _b);               \
		CU_ASSERT(_a == _b);                                           \
	} while (0)

#define EXPECT_VERDICT(h, v)                                                   \
	do {                                                                   \
		if ((h)->verdict != (v))                                       \
			fprintf(stderr, "\n%s:%d: verdict %s, expected %s\n",  \
				__FILE__, __LINE__,                            \
				vpnha_hc_verdict_name((h)->verdict),           \
				vpnha_hc_verdict_name(v));                     \
		CU_ASSERT((h)->verdict == (v));                                \
	} while (0)

/* --- A small simulator: 1 ms steps, probes every interval --- */

struct sim_reply {
	uint16_t seq;
	int64_t at;
};

struct sim {
	struct vpnha_health h;
	int64_t now; /* last simulated time, us */
	int64_t next_send;
	uint64_t nsent;

	/* Fate of probe n: RTT in ms, or -1 for no reply. */
	int (*fate)(struct sim *s, uint64_t n);
	bool down;	 /* for fate_switch: no replies */
	bool no_confirm; /* an adapter that ignores confirm_at */
	int rtt_ms;	 /* for fate_switch */
	void *arg;

	struct sim_reply q[4096];
	unsigned int qn;

	/* Verdict transitions. */
	enum vpnha_hc_verdict prev;
	unsigned int entered[4]; /* how often each verdict was entered */
	int64_t entered_at[4];	 /* last time each verdict was entered */
};

static int fate_switch(struct sim *s, uint64_t n)
{
	return s->down ? -1 : s->rtt_ms;
}

static void sim_note(struct sim *s)
{
	if (s->h.verdict != s->prev) {
		s->prev = s->h.verdict;
		s->entered[s->h.verdict]++;
		s->entered_at[s->h.verdict] = s->now;
	}
}

static void sim_init(struct sim *s, const struct vpnha_hc_config *cfg)
{
	memset(s, 0, sizeof(*s));
	vpnha_health_init(&s->h, cfg, true);
	s->now = T0 - MS;
	s->next_send = T0;
	s->fate = fate_switch;
	s->rtt_ms = 10;
	s->prev = s->h.verdict;
}

/* One millisecond: due replies, then tick, then a probe if due. */
static void sim_step(struct sim *s)
{
	unsigned int i;

	s->now += MS;

	for (i = 0; i < s->qn;) {
		if (s->q[i].at <= s->now) {
			vpnha_health_reply(&s->h, s->q[i].seq, s->now);
			sim_note(s);
			s->q[i] = s->q[--s->qn];
		} else
			i++;
	}

	vpnha_health_tick(&s->h, s->now);
	sim_note(s);

	/* The regular schedule, and confirmation probes like the probe
	 * adapter (vpnha_tunnel_tick()). */
	bool regular = s->now >= s->next_send;
	int64_t confirm = s->no_confirm ? 0 : vpnha_health_confirm_at(&s->h);

	if (regular || (confirm && confirm <= s->now)) {
		uint16_t seq = vpnha_health_probe_sent(&s->h, s->now);
		int rtt = s->fate(s, s->nsent++);

		sim_note(s);
		if (rtt >= 0 && s->qn < array_size(s->q)) {
			s->q[s->qn].seq = seq;
			s->q[s->qn].at = s->now + rtt * MS;
			s->qn++;
		}
		if (regular)
			s->next_send += (int64_t)s->h.cfg.interval_ms * MS;
	}
}

static void sim_run_until(struct sim *s, int64_t t)
{
	while (s->now < t)
		sim_step(s);
}

/* Run until verdict v (at most limit us); returns the time, or 0. */
static int64_t sim_run_to_verdict(struct sim *s, enum vpnha_hc_verdict v,
				  int64_t limit)
{
	int64_t end = s->now + limit;

	while (s->now < end) {
		sim_step(s);
		if (s->h.verdict == v)
			return s->now;
	}
	return 0;
}

static struct sim S; /* large: keep it off the stack */

/* --- Health: basics --- */

static void test_config_default(void)
{
	struct vpnha_hc_config c;

	vpnha_hc_config_default(&c);
	EXPECT_EQ(c.interval_ms, 100);
	EXPECT_EQ(c.timeout_ms, 500);
	EXPECT_EQ(c.miss_count, 5);
	EXPECT_EQ(c.recovery_count, 10);
	EXPECT_EQ(c.hold_down_ms, 3000);
	CU_ASSERT(c.preempt);
	EXPECT_EQ(c.loss_threshold, 0);
	EXPECT_EQ(c.latency_threshold_ms, 0);
	EXPECT_EQ(c.window, 100);
	CU_ASSERT(IS_IPADDR_NONE(&c.source));
	CU_ASSERT(IS_IPADDR_NONE(&c.destination));

	CU_ASSERT_STRING_EQUAL(vpnha_hc_verdict_name(VPNHA_HC_UNKNOWN),
			       "unknown");
	CU_ASSERT_STRING_EQUAL(vpnha_hc_verdict_name(VPNHA_HC_ALIVE), "alive");
	CU_ASSERT_STRING_EQUAL(vpnha_hc_verdict_name(VPNHA_HC_DEAD), "dead");
	CU_ASSERT_STRING_EQUAL(vpnha_hc_verdict_name(VPNHA_HC_RECOVERING),
			       "recovering");
	CU_ASSERT_STRING_EQUAL(vpnha_hc_verdict_name(42), "invalid");
	CU_ASSERT_STRING_EQUAL(vpnha_hc_cause_name(VPNHA_HC_CAUSE_MISS),
			       "miss-count");
	CU_ASSERT_STRING_EQUAL(vpnha_hc_reply_name(VPNHA_HC_REPLY_LATE),
			       "late");
}

static void test_init(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	uint16_t seq;

	vpnha_hc_config_default(&c);
	c.window = VPNHA_HC_WINDOW_MAX;
	vpnha_health_init(&h, &c, true);
	EXPECT_EQ(h.cfg.window, VPNHA_HC_WINDOW_MAX);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);

	/* Re-init keeps stats and next_seq unless told otherwise. */
	seq = vpnha_health_probe_sent(&h, T0);
	vpnha_health_reply(&h, seq, T0 + 5 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	vpnha_health_probe_sent(&h, T0 + 100 * MS);
	vpnha_health_init(&h, &c, false);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);
	EXPECT_EQ(h.stats.sent, 2);
	EXPECT_EQ(h.stats.received, 1);
	EXPECT_EQ(h.next_seq, (uint16_t)(seq + 2));
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);
	/* A reply to a probe sent before the reset is not matched. */
	EXPECT_EQ(vpnha_health_reply(&h, seq + 1, T0 + 150 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);
	vpnha_health_init(&h, &c, true);
	EXPECT_EQ(h.stats.sent, 0);
	EXPECT_EQ(h.stats.invalid, 0);
}

/* UNKNOWN -> ALIVE on the first good reply. */
static void test_optimistic_start(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	uint16_t s0, s1;

	vpnha_hc_config_default(&c);
	c.preempt = false; /* no effect on the start */
	vpnha_health_init(&h, &c, true);

	s0 = vpnha_health_probe_sent(&h, T0);
	s1 = vpnha_health_probe_sent(&h, T0 + 100 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);
	/* One loss is not a verdict. */
	vpnha_health_tick(&h, T0 + 500 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);
	EXPECT_EQ(h.consec_miss, 1);
	EXPECT_EQ(vpnha_health_reply(&h, s1, T0 + 520 * MS), VPNHA_HC_REPLY_OK);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	EXPECT_EQ(h.last_good, T0 + 520 * MS);
	EXPECT_EQ(h.last_restore, 0); /* not a failback */
	EXPECT_EQ(h.consec_miss, 0);
	EXPECT_EQ(h.consec_ok, 1);
	EXPECT_EQ(s0 + 1, s1);
}

/* DEAD exactly on the miss_count-th consecutive lost probe. */
static void test_miss_count(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	c.detection = VPNHA_HC_DETECT_TIMEOUT; /* the timeout rule */
	sim_init(s, &c);

	/* Probe n is sent at T0 + n * 100 ms; 0..19 answered in 10 ms. */
	sim_run_until(s, T0 + 1999 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->entered_at[VPNHA_HC_ALIVE], T0 + 10 * MS);
	s->down = true;

	/* Probes 20..24 are lost at 2500, 2600, ... 2900 ms. */
	sim_run_until(s, T0 + 2899 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->h.consec_miss, 4);
	EXPECT_EQ(s->h.stats.lost, 4);
	sim_step(s);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	EXPECT_EQ(s->entered_at[VPNHA_HC_DEAD], T0 + 2900 * MS);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_MISS);
	EXPECT_EQ(s->h.consec_miss, 5);
	EXPECT_EQ(s->h.stats.lost, 5);
	EXPECT_EQ(s->h.first_miss, T0 + 2000 * MS);
	EXPECT_EQ(s->h.last_good, T0 + 1910 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 1);

	/* A good reply in the middle of a run restarts the count. */
	sim_init(s, &c);
	sim_run_until(s, T0 + 999 * MS);
	s->down = true; /* probes 10..13 lost */
	sim_run_until(s, T0 + 1399 * MS);
	s->down = false; /* probe 14 answered */
	sim_run_until(s, T0 + 1499 * MS);
	s->down = true; /* 15..: lost at 2000.. */
	sim_run_until(s, T0 + 5000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 1);
	EXPECT_EQ(s->entered_at[VPNHA_HC_DEAD], T0 + 2400 * MS);
	EXPECT_EQ(s->h.first_miss, T0 + 1500 * MS);
}

/* A tunnel that never answers goes UNKNOWN -> DEAD. */
static void test_unknown_to_dead(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	s->down = true;
	sim_run_until(s, T0 + 899 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_UNKNOWN);
	sim_step(s);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	EXPECT_EQ(s->h.first_miss, T0);
	EXPECT_EQ(s->h.last_good, 0);
	EXPECT_EQ(s->entered[VPNHA_HC_ALIVE], 0);

	/* Recovery from there also takes recovery_count + hold-down. */
	s->down = false; /* probe 10 (1000 ms) on */
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 10000 * MS),
		  T0 + 1910 * MS);
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_ALIVE, 10000 * MS),
		  T0 + 4910 * MS);
}

/* DEAD -> RECOVERING -> ALIVE; a loss in the hold-down -> DEAD. */
static void test_recovery_hold_down(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	c.detection = VPNHA_HC_DETECT_TIMEOUT; /* the timeout rule */
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	s->down = true;
	sim_run_until(s, T0 + 3999 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	s->down = false;

	/* Probes 40.. answered at 4010, 4110, ...: the 10th at 4910. */
	sim_run_until(s, T0 + 4909 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	EXPECT_EQ(s->h.consec_ok, 9);
	sim_step(s);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	EXPECT_EQ(s->h.hold_until, T0 + 7910 * MS);
	EXPECT_EQ(vpnha_health_hold_down_ms(&s->h), 3000);

	/* ALIVE exactly when the hold-down ends. */
	sim_run_until(s, T0 + 7909 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	sim_step(s);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->h.last_restore, T0 + 7910 * MS);
	EXPECT_EQ(s->h.damp_shift, 0);

	/*
	 * Fail again 990 ms after that failback (probes 80..84 lost: DEAD
	 * at 8900): a flap, so damp_shift 1 and a 6 s hold-down next.
	 */
	s->down = true;
	sim_run_until(s, T0 + 9999 * MS); /* 80..99 lost */
	EXPECT_EQ(s->entered_at[VPNHA_HC_DEAD], T0 + 8900 * MS);
	EXPECT_EQ(s->h.damp_shift, 1);
	s->down = false;
	/* Probe 99 times out at 10400; 100..103 count then, 109 at 10910. */
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 10000 * MS),
		  T0 + 10910 * MS);
	EXPECT_EQ(s->h.hold_until, T0 + 16910 * MS);

	/*
	 * Probe 120 (sent 12000 ms, in the hold-down) is lost: DEAD at
	 * 12500.  The good run restarts after it: 121..124 (answered
	 * before 12500) count at once, the 10th is probe 130 at 13010.
	 */
	sim_run_until(s, T0 + 11999 * MS);
	s->down = true;
	sim_run_until(s, T0 + 12000 * MS);
	s->down = false;
	sim_run_until(s, T0 + 12499 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	EXPECT_EQ(s->h.consec_ok, 20);
	sim_step(s);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_HOLD_DOWN);
	EXPECT_EQ(s->h.consec_ok, 4);
	EXPECT_EQ(s->h.consec_miss, 0);
	EXPECT_EQ(s->h.first_miss, T0 + 12000 * MS);
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 10000 * MS),
		  T0 + 13010 * MS);
	/* A failure from RECOVERING does not change the damping. */
	EXPECT_EQ(s->h.damp_shift, 1);
	EXPECT_EQ(s->h.hold_until, T0 + (13010 + 6000) * MS);
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_ALIVE, 10000 * MS),
		  T0 + 19010 * MS);
}

/* hold-down 0: DEAD -> ALIVE at recovery_count. */
static void test_hold_down_zero(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	c.hold_down_ms = 0;
	sim_init(s, &c);
	sim_run_until(s, T0 + 999 * MS);
	s->down = true;
	sim_run_until(s, T0 + 2999 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	s->down = false;
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_ALIVE, 10000 * MS),
		  T0 + 3910 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_RECOVERING], 0);
	EXPECT_EQ(s->h.last_restore, T0 + 3910 * MS);

	/* With no-preempt it waits in RECOVERING for a release. */
	c.preempt = false;
	sim_init(s, &c);
	sim_run_until(s, T0 + 999 * MS);
	s->down = true;
	sim_run_until(s, T0 + 2999 * MS);
	s->down = false;
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 10000 * MS),
		  T0 + 3910 * MS);
	sim_run_until(s, T0 + 9999 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	vpnha_health_release(&s->h, s->now);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->h.last_restore, T0 + 9999 * MS);
}

/*
 * Flap damping, exact, with direct calls (miss 1, recovery 1, hold-down
 * 1 s, timeout 500 ms): also checks next_deadline all the way.
 */
static void test_damping_exact(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	uint16_t seq;
	int64_t t;

	vpnha_hc_config_default(&c);
	c.detection = VPNHA_HC_DETECT_TIMEOUT; /* the timeout rule */
	c.miss_count = 1;
	c.recovery_count = 1;
	c.hold_down_ms = 1000;
	vpnha_health_init(&h, &c, true);
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);

	vpnha_health_probe_sent(&h, T0);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 500 * MS);
	vpnha_health_tick(&h, T0 + 499 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);
	vpnha_health_tick(&h, T0 + 500 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);

	seq = vpnha_health_probe_sent(&h, T0 + 600 * MS);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 1100 * MS);
	vpnha_health_reply(&h, seq, T0 + 610 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
	EXPECT_EQ(h.hold_until, T0 + 1610 * MS);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 1610 * MS);
	seq = vpnha_health_probe_sent(&h, T0 + 700 * MS);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 1200 * MS);
	vpnha_health_reply(&h, seq, T0 + 710 * MS);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 1610 * MS);
	vpnha_health_tick(&h, T0 + 1609 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
	vpnha_health_tick(&h, T0 + 1610 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	EXPECT_EQ(h.last_restore, T0 + 1610 * MS);
	EXPECT_EQ(h.damp_shift, 0);
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);

	/*
	 * Each failure within 10 x the effective hold-down of the last
	 * failback doubles the next hold-down, up to 2^4.
	 */
	t = T0 + 2000 * MS;
	for (unsigned int i = 1; i <= VPNHA_HC_DAMP_MAX_SHIFT + 2; i++) {
		unsigned int shift = i < VPNHA_HC_DAMP_MAX_SHIFT
					     ? i
					     : VPNHA_HC_DAMP_MAX_SHIFT;
		int64_t hold = (1000LL << shift) * MS;

		vpnha_health_probe_sent(&h, t);
		vpnha_health_tick(&h, t + 500 * MS);
		EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
		EXPECT_EQ(h.damp_shift, shift);
		EXPECT_EQ(vpnha_health_hold_down_ms(&h), 1000LL << shift);

		seq = vpnha_health_probe_sent(&h, t + 600 * MS);
		vpnha_health_reply(&h, seq, t + 610 * MS);
		EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
		EXPECT_EQ(h.hold_until, t + 610 * MS + hold);
		EXPECT_EQ(vpnha_health_next_deadline(&h), t + 610 * MS + hold);
		vpnha_health_tick(&h, t + 610 * MS + hold);
		EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
		EXPECT_EQ(h.last_restore, t + 610 * MS + hold);
		/* The decay is a deadline too. */
		EXPECT_EQ(vpnha_health_next_deadline(&h),
			  t + 610 * MS + hold + 10 * hold);
		t = t + 610 * MS + hold + 2000 * MS;
	}

	/* Stable for 10 x 16 s: damping decays to 0. */
	t = h.last_restore;
	vpnha_health_tick(&h, t + 160000 * MS - 1);
	EXPECT_EQ(h.damp_shift, VPNHA_HC_DAMP_MAX_SHIFT);
	vpnha_health_tick(&h, t + 160000 * MS);
	EXPECT_EQ(h.damp_shift, 0);
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);

	/* A failure long after the failback leaves it at 0. */
	t += 200000 * MS;
	vpnha_health_probe_sent(&h, t);
	vpnha_health_tick(&h, t + 500 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(h.damp_shift, 0);
	seq = vpnha_health_probe_sent(&h, t + 600 * MS);
	vpnha_health_reply(&h, seq, t + 610 * MS);
	EXPECT_EQ(h.hold_until, t + 1610 * MS);
	vpnha_health_tick(&h, t + 1610 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);

	/* No tick at the decay time: a late failure still resets it. */
	h.damp_shift = 2; /* as if: last failback used 4 s */
	t = h.last_restore + 40000 * MS;
	vpnha_health_probe_sent(&h, t - 500 * MS);
	vpnha_health_tick(&h, t);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(h.damp_shift, 0);
}

/* Flap damping through the simulator with the default timers. */
static void test_damping_sim(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;
	int64_t t;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	sim_run_until(s, T0 + 999 * MS);
	for (unsigned int i = 0; i < 6; i++) {
		unsigned int shift = i < VPNHA_HC_DAMP_MAX_SHIFT
					     ? i
					     : VPNHA_HC_DAMP_MAX_SHIFT;

		s->down = true;
		CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_DEAD, 5000 * MS));
		EXPECT_EQ(s->h.damp_shift, shift);
		s->down = false;
		t = sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 5000 * MS);
		CU_ASSERT(t != 0);
		EXPECT_EQ(s->h.hold_until - t, (3000LL << shift) * MS);
		EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_ALIVE, 60000 * MS),
			  t + (3000LL << shift) * MS);
		/* Fail again 2 s after the failback. */
		sim_run_until(s, s->now + 2000 * MS);
	}
	EXPECT_EQ(s->h.damp_shift, VPNHA_HC_DAMP_MAX_SHIFT);
	sim_run_until(s, s->h.last_restore + 480000 * MS - MS);
	EXPECT_EQ(s->h.damp_shift, VPNHA_HC_DAMP_MAX_SHIFT);
	sim_step(s);
	EXPECT_EQ(s->h.damp_shift, 0);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 6);
}

/* No-preempt: RECOVERING stays until vpnha_health_release(). */
static void test_no_preempt(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;
	int64_t t, dl;

	vpnha_hc_config_default(&c);
	c.preempt = false;
	sim_init(s, &c);
	sim_run_until(s, T0 + 999 * MS);
	s->down = true;
	sim_run_until(s, T0 + 2999 * MS);
	s->down = false;
	t = sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 5000 * MS);
	EXPECT_EQ(t, T0 + 3910 * MS);
	CU_ASSERT(s->h.preempt_block);

	/* Long past the hold-down: still RECOVERING. */
	sim_run_until(s, T0 + 60000 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	/* The blocked hold-down is no deadline: only the probe in flight. */
	dl = vpnha_health_next_deadline(&s->h);
	EXPECT_EQ(dl, T0 + 60000 * MS + 500 * MS);

	vpnha_health_release(&s->h, s->now);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->h.last_restore, T0 + 60000 * MS);
	CU_ASSERT(!s->h.preempt_block);
	/* Release is a no-op outside RECOVERING. */
	vpnha_health_release(&s->h, s->now);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);

	/* Released during the hold-down: ALIVE when it ends. */
	s->down = true;
	sim_run_until(s, s->now + 2000 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
	s->down = false;
	t = sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 5000 * MS);
	CU_ASSERT(t != 0);
	/* damp_shift 1 now (failure 2 s after the failback): 6 s. */
	EXPECT_EQ(s->h.hold_until, t + 6000 * MS);
	sim_run_until(s, t + 1000 * MS);
	vpnha_health_release(&s->h, s->now);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	EXPECT_EQ(vpnha_health_next_deadline(&s->h) <= t + 6000 * MS, 1);
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_ALIVE, 10000 * MS),
		  t + 6000 * MS);

	/* A blocked RECOVERING still falls back to DEAD on a loss. */
	s->down = true;
	sim_run_until(s, s->now + 2000 * MS);
	s->down = false;
	CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_RECOVERING, 5000 * MS));
	sim_run_until(s, s->now + 70000 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_RECOVERING);
	s->down = true;
	CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_DEAD, 1000 * MS));
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_HOLD_DOWN);
	CU_ASSERT(!s->h.preempt_block);
}

/* External liveness (BFD): same verdict rules as probes. */
static void test_external(void)
{
	struct vpnha_hc_config c;
	struct vpnha_health h = {};
	int64_t now = T0;

	vpnha_hc_config_default(&c);
	c.type = VPNHA_HC_TYPE_BFD;
	vpnha_health_init(&h, &c, true);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);

	vpnha_health_external(&h, true, now);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	EXPECT_EQ(h.last_good, now);

	/* Down: DEAD at once. */
	now += 100 * MS;
	vpnha_health_external(&h, false, now);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(h.cause, VPNHA_HC_CAUSE_EXTERNAL);
	/* Unknown to us: no detection time is claimed. */
	EXPECT_EQ(h.first_miss, 0);
	EXPECT_EQ(h.last_good, 0);

	/* Up again: hold-down first, ALIVE when it ends. */
	now += 1000 * MS;
	vpnha_health_external(&h, true, now);
	EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
	EXPECT_EQ(h.hold_until, now + 3000 * MS);
	EXPECT_EQ(vpnha_health_next_deadline(&h), now + 3000 * MS);
	vpnha_health_tick(&h, now + 2999 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
	/* A flap during the hold-down: DEAD again, hold-down restarts. */
	vpnha_health_external(&h, false, now + 1000 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	now += 2000 * MS;
	vpnha_health_external(&h, true, now);
	vpnha_health_tick(&h, now + 3000 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);

	/* Failing soon after the failback: the next hold-down doubles. */
	now += 4000 * MS;
	vpnha_health_external(&h, false, now);
	now += 100 * MS;
	vpnha_health_external(&h, true, now);
	EXPECT_EQ(h.hold_until, now + 6000 * MS);

	/* No-preempt: RECOVERING until released. */
	c.preempt = false;
	vpnha_health_init(&h, &c, true);
	vpnha_health_external(&h, true, now);
	vpnha_health_external(&h, false, now + 1 * MS);
	vpnha_health_external(&h, true, now + 2 * MS);
	vpnha_health_tick(&h, now + 60000 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
	vpnha_health_release(&h, now + 60000 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
}

/* Ties and ordering inside one late tick. */
static void test_tick_order(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	uint16_t seq;
	int64_t hu;

	vpnha_hc_config_default(&c);
	c.miss_count = 2;
	c.recovery_count = 1;
	c.hold_down_ms = 1000;
	vpnha_health_init(&h, &c, true);

	/* To RECOVERING (hold_until hu). */
	vpnha_health_probe_sent(&h, T0);
	vpnha_health_probe_sent(&h, T0 + 100 * MS);
	vpnha_health_tick(&h, T0 + 600 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	seq = vpnha_health_probe_sent(&h, T0 + 700 * MS);
	vpnha_health_reply(&h, seq, T0 + 710 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_RECOVERING);
	hu = h.hold_until;
	EXPECT_EQ(hu, T0 + 1710 * MS);

	/* A probe lost after hu, one tick later: ALIVE first, then 1 miss. */
	vpnha_health_probe_sent(&h, hu - 400 * MS);
	vpnha_health_tick(&h, hu + 200 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	EXPECT_EQ(h.last_restore, hu);
	EXPECT_EQ(h.consec_miss, 1);

	/* Same again, but the loss ties with the end of the hold-down. */
	vpnha_health_init(&h, &c, true);
	vpnha_health_probe_sent(&h, T0);
	vpnha_health_probe_sent(&h, T0 + 100 * MS);
	vpnha_health_tick(&h, T0 + 600 * MS);
	seq = vpnha_health_probe_sent(&h, T0 + 700 * MS);
	vpnha_health_reply(&h, seq, T0 + 710 * MS);
	hu = h.hold_until;
	vpnha_health_probe_sent(&h, hu - 500 * MS);
	vpnha_health_tick(&h, hu + 200 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(h.cause, VPNHA_HC_CAUSE_HOLD_DOWN);
	EXPECT_EQ(h.last_restore, 0);
}

/* timeout > interval: several probes in flight, replies out of order. */
static void test_out_of_order(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	struct vpnha_hc_figures f;
	uint16_t seq[10];
	int i;

	vpnha_hc_config_default(&c);
	c.timeout_ms = 1000;
	c.window = 20;
	vpnha_health_init(&h, &c, true);

	for (i = 0; i < 10; i++)
		seq[i] = vpnha_health_probe_sent(&h, T0 + i * 100 * MS);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 1000 * MS);

	/* Reverse order, at 950 + (9 - i) ms: probe i's RTT is known. */
	for (i = 9; i >= 0; i--) {
		int64_t at = T0 + (950 + (9 - i)) * MS;

		EXPECT_EQ(vpnha_health_reply(&h, seq[i], at),
			  VPNHA_HC_REPLY_OK);
		EXPECT_EQ(vpnha_health_slot_find(&h, seq[i])->rtt_us,
			  at - (T0 + i * 100 * MS));
		/* Nothing enters the window before probe 0 is answered. */
		EXPECT_EQ(h.win_ok, i == 0 ? 10 : 0);
		/* The oldest in flight stays probe 0 until it is answered. */
		if (i > 0)
			EXPECT_EQ(vpnha_health_next_deadline(&h),
				  T0 + 1000 * MS);
	}
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	EXPECT_EQ(h.stats.received, 10);
	EXPECT_EQ(h.stats.lost, 0);
	vpnha_health_tick(&h, T0 + 5000 * MS);
	EXPECT_EQ(h.stats.lost, 0);

	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 10);
	EXPECT_EQ(f.loss_pct, 0);
	EXPECT_EQ(f.rtt_min_us, 50 * MS);  /* probe 9: 950 - 900 */
	EXPECT_EQ(f.rtt_max_us, 959 * MS); /* probe 0: 959 - 0 */
}

/* Sequence numbers wrap at 16 bits; the ring holds the last 16 probes. */
static void test_seq_wrap(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	uint16_t seq[18];
	static const int order[18] = {3,  7,  0,  11, 5, 6, 1, 10, 2,
				      15, 12, 14, 13, 9, 4, 8, 16, 17};
	int i;

	vpnha_hc_config_default(&c);
	c.timeout_ms = 2000;
	c.window = 10;
	memset(&h, 0, sizeof(h));
	h.next_seq = 65530;
	vpnha_health_init(&h, &c, true);

	/* 18 probes over a ring of 16: the 17th reuses probe 0's slot. */
	for (i = 0; i < 16; i++)
		seq[i] = vpnha_health_probe_sent(&h, T0 + i * 100 * MS);
	EXPECT_EQ(seq[0], 65530);
	EXPECT_EQ(seq[6], 0);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(vpnha_health_reply(&h, seq[order[i]], T0 + 1600 * MS),
			  VPNHA_HC_REPLY_OK);
	for (i = 16; i < 18; i++)
		seq[i] = vpnha_health_probe_sent(&h, T0 + i * 100 * MS);
	EXPECT_EQ(seq[17], 11);
	/* Probe 1 (65531) was still in flight when its slot was reused;
	 * probe 0 (65530) had been answered, and entered the window. */
	EXPECT_EQ(h.stats.lost, 1);
	EXPECT_EQ(h.win_ok, 1);
	EXPECT_EQ(h.win_lost, 1);
	EXPECT_EQ(h.scan_seq, 65532);

	for (i = 3; i < 18; i++) {
		enum vpnha_hc_reply r =
			vpnha_health_reply(&h, seq[order[i]], T0 + 1800 * MS);

		if (order[i] == 1)
			EXPECT_EQ(r, VPNHA_HC_REPLY_UNKNOWN);
		else
			EXPECT_EQ(r, VPNHA_HC_REPLY_OK);
	}
	EXPECT_EQ(h.stats.received, 17);
	EXPECT_EQ(h.stats.invalid, 1);
	EXPECT_EQ(vpnha_health_next_deadline(&h), 0);
	/* All 18 resolved, in send order: a window of 10 (bs 1) holds the
	 * last 10 of them, probes 8..17, all answered. */
	EXPECT_EQ(h.win_ok, 10);
	EXPECT_EQ(h.win_lost, 0);
	EXPECT_EQ(h.consec_ok, 16);
	/* seq 65530's slot went to probe 16: no longer known. */
	EXPECT_EQ(vpnha_health_reply(&h, 65530, T0 + 1900 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(vpnha_health_reply(&h, 5, T0 + 1900 * MS),
		  VPNHA_HC_REPLY_DUPLICATE);
	/* Never sent (the next sequence, and far away). */
	EXPECT_EQ(vpnha_health_reply(&h, 12, T0 + 1900 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(vpnha_health_reply(&h, 30000, T0 + 1900 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
}

/* A reply after its probe was counted lost is LATE, not a success. */
static void test_late_reply(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	struct vpnha_hc_figures f;
	uint16_t a, b;

	vpnha_hc_config_default(&c);
	c.miss_count = 1;
	vpnha_health_init(&h, &c, true);

	a = vpnha_health_probe_sent(&h, T0);
	vpnha_health_tick(&h, T0 + 500 * MS);
	EXPECT_EQ(h.stats.lost, 1);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 600 * MS),
		  VPNHA_HC_REPLY_LATE);
	EXPECT_EQ(h.stats.late, 1);
	EXPECT_EQ(h.stats.received, 0);
	EXPECT_EQ(h.consec_ok, 0);
	EXPECT_EQ(h.consec_miss, 1);
	EXPECT_EQ(h.last_good, 0);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	/* A second copy is a duplicate. */
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 700 * MS),
		  VPNHA_HC_REPLY_DUPLICATE);
	EXPECT_EQ(h.stats.duplicate, 1);
	/* Still a loss in the window. */
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 1);
	EXPECT_EQ(f.loss_pct, 100);

	/* Exactly at the timeout, without a tick in between: LATE. */
	b = vpnha_health_probe_sent(&h, T0 + 1000 * MS);
	EXPECT_EQ(vpnha_health_reply(&h, b, T0 + 1500 * MS),
		  VPNHA_HC_REPLY_LATE);
	EXPECT_EQ(h.stats.lost, 2);
	/* One microsecond earlier: OK. */
	b = vpnha_health_probe_sent(&h, T0 + 2000 * MS);
	EXPECT_EQ(vpnha_health_reply(&h, b, T0 + 2500 * MS - 1),
		  VPNHA_HC_REPLY_OK);
	EXPECT_EQ(h.stats.received, 1);
	EXPECT_EQ(h.consec_ok, 1);

	/*
	 * Late is recognised while the probe is one of the last 16: a
	 * reply to a lost probe 15 probes ago is LATE, 16 ago UNKNOWN (its
	 * slot holds another probe), and neither touches the window.
	 */
	a = vpnha_health_probe_sent(&h, T0 + 3000 * MS);
	for (int i = 1; i < VPNHA_HC_INFLIGHT; i++) {
		b = vpnha_health_probe_sent(&h, T0 + (3000 + i * 100) * MS);
		vpnha_health_reply(&h, b, T0 + (3000 + i * 100 + 10) * MS);
	}
	EXPECT_EQ(h.stats.lost, 3);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 3 + VPNHA_HC_INFLIGHT);
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 4550 * MS),
		  VPNHA_HC_REPLY_LATE);
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 4560 * MS),
		  VPNHA_HC_REPLY_DUPLICATE);
	vpnha_health_probe_sent(&h, T0 + 4600 * MS);
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 4610 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(h.stats.late, 3);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 3 + VPNHA_HC_INFLIGHT);
	EXPECT_EQ(h.win_lost, 3);
}

static void test_duplicate_unknown(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	uint16_t a;

	vpnha_hc_config_default(&c);
	vpnha_health_init(&h, &c, true);

	/* Nothing sent yet. */
	EXPECT_EQ(vpnha_health_reply(&h, 0, T0), VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(vpnha_health_reply(&h, 65535, T0), VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(h.stats.invalid, 2);
	EXPECT_VERDICT(&h, VPNHA_HC_UNKNOWN);

	a = vpnha_health_probe_sent(&h, T0);
	EXPECT_EQ(vpnha_health_reply(&h, a + 1, T0 + 5 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 10 * MS), VPNHA_HC_REPLY_OK);
	EXPECT_EQ(vpnha_health_reply(&h, a, T0 + 11 * MS),
		  VPNHA_HC_REPLY_DUPLICATE);
	EXPECT_EQ(h.stats.received, 1);
	EXPECT_EQ(h.stats.duplicate, 1);
	EXPECT_EQ(h.stats.invalid, 3);
	EXPECT_EQ(h.consec_ok, 1);
	EXPECT_EQ(h.win_ok, 1);
	EXPECT_EQ(h.win_rtt_sum, 10 * MS);

	vpnha_health_invalid(&h);
	EXPECT_EQ(h.stats.invalid, 4);
	EXPECT_EQ(h.stats.sent, 1);
}

/*
 * More probes in flight than the ring holds (timeout > 16 x interval,
 * which vpnha_hc_config_check() refuses): the oldest is lost when its
 * slot is reused, and enters the window as a loss.
 */
static void test_slot_reuse(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	char err[160];
	uint16_t first;
	int i;

	vpnha_hc_config_default(&c);
	c.timeout_ms = 5000;
	c.window = 10;
	c.miss_count = 3;
	CU_ASSERT(vpnha_hc_config_check(&c, err, sizeof(err)) < 0);
	vpnha_health_init(&h, &c, true);

	first = vpnha_health_probe_sent(&h, T0);
	for (i = 1; i < VPNHA_HC_INFLIGHT; i++)
		vpnha_health_probe_sent(&h, T0 + i * 100 * MS);
	EXPECT_EQ(h.stats.lost, 0);
	for (i = VPNHA_HC_INFLIGHT; i < VPNHA_HC_INFLIGHT + 3; i++)
		vpnha_health_probe_sent(&h, T0 + i * 100 * MS);
	EXPECT_EQ(h.stats.lost, 3);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(h.first_miss, T0);
	EXPECT_EQ(h.dead_at, T0 + (VPNHA_HC_INFLIGHT + 2) * 100 * MS);
	EXPECT_EQ(vpnha_health_reply(&h, first, T0 + 2000 * MS),
		  VPNHA_HC_REPLY_UNKNOWN);
	EXPECT_EQ(vpnha_health_next_deadline(&h), T0 + 300 * MS + 5000 * MS);
	EXPECT_EQ(h.win_lost, 3);
	EXPECT_EQ(h.win_ok, 0);
}

/*
 * Loss threshold over a full window, without miss_count in a row.
 * Window 20: 10 buckets of 2, so 19 or 20 probes once full.  Timeout
 * 50 ms: every probe is resolved before the next one leaves.
 */
static void test_loss_threshold(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	c.detection = VPNHA_HC_DETECT_TIMEOUT; /* the timeout rule */
	c.window = 20;
	c.timeout_ms = 50;
	c.loss_threshold = 10;
	sim_init(s, &c);
	EXPECT_EQ(s->h.win_bs, 2);
	EXPECT_EQ(s->h.win_nb, 10);

	/* Every 4th probe lost (3, 7, 11, ...): 25 % loss, 1 in a row. */
	while (s->now < T0 + 2400 * MS) {
		s->down = (s->nsent % 4) == 3;
		sim_step(s);
		if (s->now == T0 + 1949 * MS) {
			/* 19 probes entered: not evaluated yet. */
			EXPECT_EQ(s->h.win_entered, 19);
			EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
		}
	}
	/* The 20th, probe 19, enters as a loss at 1950: 5 of 20. */
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 1);
	EXPECT_EQ(s->entered_at[VPNHA_HC_DEAD], T0 + 1950 * MS);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_LOSS);
	EXPECT_EQ(s->h.cause_value, 25);

	/* Probes up to 23 as before, then all good. */
	while (s->now < T0 + 4500 * MS) {
		s->down = s->nsent < 24 && (s->nsent % 4) == 3;
		sim_step(s);
		if (s->now == T0 + 3710 * MS) {
			/*
			 * 14 good in a row (24..37); the window is probes
			 * 18..37 (20), 2 lost (19, 23): 10 %.  Earlier, at
			 * 3310 (recovery-count reached), 14..33: 3 lost.
			 */
			EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
			EXPECT_EQ(s->h.consec_ok, 14);
			EXPECT_EQ(s->h.win_ok + s->h.win_lost, 20);
			EXPECT_EQ(s->h.win_lost, 2);
		}
	}
	/* Probe 38 starts a bucket: 18 and 19 leave, window 20..38 (19),
	 * 1 lost (23): 5 %. */
	EXPECT_EQ(s->entered_at[VPNHA_HC_RECOVERING], T0 + 3810 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 1);
}

/* Latency threshold: DEAD only when the window average reaches it. */
static void test_latency_threshold(void)
{
	struct vpnha_hc_config c;
	struct vpnha_hc_figures f;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	c.detection = VPNHA_HC_DETECT_TIMEOUT; /* the timeout rule */
	c.window = 10;
	c.latency_threshold_ms = 50;
	sim_init(s, &c);

	/* 49 ms forever: never. */
	s->rtt_ms = 49;
	sim_run_until(s, T0 + 20000 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);

	/* Exactly 50 ms: DEAD at the first reply over a full window. */
	sim_init(s, &c);
	s->rtt_ms = 50;
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_DEAD, 5000 * MS),
		  T0 + 950 * MS);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_LATENCY);

	/*
	 * Probes 0..9 at 40 ms, 10..19 at 70 ms: at probe k's reply the
	 * window average is 3k + 13 ms: 49 at k = 12, 52 at k = 13.
	 */
	sim_init(s, &c);
	while (s->now < T0 + 1999 * MS) {
		s->rtt_ms = s->nsent < 10 ? 40 : 70;
		sim_step(s);
		if (s->now == T0 + 1270 * MS) {
			vpnha_health_figures(&s->h, &f);
			EXPECT_EQ(f.rtt_avg_us, 49 * MS);
			EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
		}
	}
	EXPECT_EQ(s->entered_at[VPNHA_HC_DEAD], T0 + 1370 * MS);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_LATENCY);
	EXPECT_EQ(s->h.stats.lost, 0);

	/*
	 * Back to 40 ms from probe 20: 10 good replies by probe 23, but
	 * the average is 127 - 3k: under 50 from k = 26 (2640 ms).
	 */
	while (s->now < T0 + 4000 * MS) {
		s->rtt_ms = s->nsent < 20 ? 70 : 40;
		sim_step(s);
		if (s->now == T0 + 2540 * MS) {
			EXPECT_VERDICT(&s->h, VPNHA_HC_DEAD);
			vpnha_health_figures(&s->h, &f);
			EXPECT_EQ(f.rtt_avg_us, 52 * MS);
		}
	}
	EXPECT_EQ(s->entered_at[VPNHA_HC_RECOVERING], T0 + 2640 * MS);
}

/* Window figures, exact. */
static void test_figures(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	struct vpnha_hc_figures f;
	/* RTT in ms per probe, -1 = lost. */
	static const int rtt[10] = {10, 20, -1, 40, 30, -1, 50, 50, 10, 20};
	uint16_t seq;
	int i;

	vpnha_hc_config_default(&c);
	c.window = 10;
	c.miss_count = 3;
	vpnha_health_init(&h, &c, true);

	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 0);
	EXPECT_EQ(f.loss_pct, 0);
	EXPECT_EQ(f.rtt_avg_us, 0);

	for (i = 0; i < 10; i++) {
		int64_t t = T0 + i * 100 * MS;
		uint16_t seq = vpnha_health_probe_sent(&h, t);

		if (rtt[i] >= 0)
			vpnha_health_reply(&h, seq, t + rtt[i] * MS);
	}
	/*
	 * Probe 5's loss is not known yet (1000 ms): it is in flight, and
	 * probes 6..9, answered, wait for it to enter the window in send
	 * order: the window is probes 0..4.
	 */
	vpnha_health_tick(&h, T0 + 999 * MS);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 5);
	EXPECT_EQ(f.loss_pct, 20); /* 1 of 5 */
	EXPECT_EQ(f.rtt_max_us, 40 * MS);

	vpnha_health_tick(&h, T0 + 1000 * MS);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 10);
	EXPECT_EQ(f.loss_pct, 20);
	EXPECT_EQ(f.rtt_min_us, 10 * MS);
	EXPECT_EQ(f.rtt_max_us, 50 * MS);
	EXPECT_EQ(f.rtt_avg_us, 28750); /* 230 ms / 8 */
	EXPECT_EQ(f.jitter_us, 15714);	/* (10+20+10+20+0+40+10) / 7 ms */
	EXPECT_EQ(h.win_ok, 8);
	EXPECT_EQ(h.win_lost, 2);
	EXPECT_EQ(h.win_rtt_sum, 230 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);

	/* Probe 10 in flight is not in the window... */
	seq = vpnha_health_probe_sent(&h, T0 + 1000 * MS);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 10);
	EXPECT_EQ(f.loss_pct, 20);
	/* ... its reply (30 ms) enters it and pushes probe 0 out. */
	vpnha_health_reply(&h, seq, T0 + 1030 * MS);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 10);
	EXPECT_EQ(f.loss_pct, 20); /* 2 of 10 */
	EXPECT_EQ(f.rtt_min_us, 10 * MS);
	EXPECT_EQ(f.rtt_avg_us, 31250); /* 250 ms / 8 */
	/*
	 * (10+20+10+20+0+40+10+10) / 8 ms: the difference of probes 0 and
	 * 1 stays with probe 1 (the later one), though probe 0 has left.
	 */
	EXPECT_EQ(f.jitter_us, 15 * MS);
	EXPECT_EQ(h.win_ok, 8);
	EXPECT_EQ(h.win_rtt_sum, 250 * MS);

	/* Sub-millisecond values are kept. */
	vpnha_health_init(&h, &c, true);
	for (i = 0; i < 3; i++) {
		int64_t t = T0 + i * 100 * MS;
		uint16_t seq = vpnha_health_probe_sent(&h, t);

		vpnha_health_reply(&h, seq, t + 1000 + 333 * i);
	}
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.rtt_min_us, 1000);
	EXPECT_EQ(f.rtt_max_us, 1666);
	EXPECT_EQ(f.rtt_avg_us, 1333);
	EXPECT_EQ(f.jitter_us, 333);
}

/*
 * The window's extent, from its definition in vpnha_health.h: n probes
 * entered since it was emptied, window w.
 */
static unsigned int window_span(unsigned int w, unsigned int n)
{
	unsigned int bs = (w + VPNHA_HC_BUCKETS - 1) / VPNHA_HC_BUCKETS;
	unsigned int nb = (w + bs - 1) / bs;

	if (n <= nb * bs)
		return n;
	return (nb - 1) * bs + (n - 1) % bs + 1;
}

/* RTT in us of probe k of test_window_buckets, or -1 when lost. */
static int64_t bucket_rtt(unsigned int k)
{
	if (k % 7 == 3 || k % 11 == 5)
		return -1;
	return 1000 + (int64_t)((k * 7919) % 40) * 1000 + k % 13;
}

/*
 * Window figures against a brute-force computation over the probes the
 * definition puts in the window, for windows that are and are not a
 * multiple of the bucket count, after every probe.
 */
static void test_window_buckets(void)
{
	static struct vpnha_health h;
	static const unsigned int windows[] = {10, 16, 17, 37, 100, 999, 1000};
	struct vpnha_hc_config c;
	unsigned int wi;

	vpnha_hc_config_default(&c);
	c.timeout_ms = 50;
	c.miss_count = 100;
	for (wi = 0; wi < array_size(windows); wi++) {
		unsigned int w = windows[wi], n, failures = 0;

		c.window = w;
		vpnha_health_init(&h, &c, true);
		for (n = 1; n <= 3 * w + 5 && failures < 3; n++) {
			unsigned int k = n - 1, span = window_span(w, n), i;
			int64_t t = T0 + (int64_t)k * 100 * MS;
			int64_t rtt = bucket_rtt(k), prev = -1;
			uint16_t seq = vpnha_health_probe_sent(&h, t);
			unsigned int ok = 0, lost = 0, jn = 0;
			uint64_t sum = 0, jsum = 0;
			uint32_t mn = 0, mx = 0;
			struct vpnha_hc_figures f;

			if (rtt >= 0)
				vpnha_health_reply(&h, seq, t + rtt);
			else
				vpnha_health_tick(&h, t + 50 * MS);

			/* Brute force over probes k - span + 1 .. k. */
			for (i = 0; i <= k; i++) {
				int64_t r = bucket_rtt(i);
				bool in = i + span > k;

				if (r < 0) {
					lost += in;
					continue;
				}
				if (in) {
					if (!ok || r < mn)
						mn = r;
					if (r > mx)
						mx = r;
					sum += r;
					ok++;
					/* The pair stays with its later probe.
					 */
					if (prev >= 0) {
						jsum += r > prev ? r - prev
								 : prev - r;
						jn++;
					}
				}
				prev = r;
			}

			vpnha_health_figures(&h, &f);
			if (f.probes != span || f.probes != ok + lost ||
			    f.loss_pct != lost * 100 / span ||
			    f.rtt_min_us != mn || f.rtt_max_us != mx ||
			    f.rtt_avg_us != (ok ? sum / ok : 0) ||
			    f.jitter_us != (jn ? jsum / jn : 0) ||
			    h.win_entered != MIN(n, w)) {
				fprintf(stderr,
					"\nwindow %u after %u probes: probes %u/%u loss %u/%u min %u/%u max %u/%u avg %u/%llu jitter %u/%llu\n",
					w, n, f.probes, span, f.loss_pct,
					lost * 100 / span, f.rtt_min_us, mn,
					f.rtt_max_us, mx, f.rtt_avg_us,
					(unsigned long long)(ok ? sum / ok : 0),
					f.jitter_us,
					(unsigned long long)(jn ? jsum / jn
								: 0));
				failures++;
				CU_FAIL("window figures");
			}
		}
		/* Bounds stated in vpnha_health.h, once full. */
		CU_ASSERT(window_span(w, 3 * w) > w - h.win_bs);
		CU_ASSERT(window_span(w, 3 * w) < w + h.win_bs);
		CU_ASSERT(h.win_nb <= VPNHA_HC_BUCKETS);
	}

	/* The geometries named in vpnha_health.h. */
	c.window = 100;
	vpnha_health_init(&h, &c, true);
	EXPECT_EQ(h.win_bs, 7);
	EXPECT_EQ(h.win_nb, 15);
	c.window = 1000;
	vpnha_health_init(&h, &c, true);
	EXPECT_EQ(h.win_bs, 63);
	EXPECT_EQ(h.win_nb, 16);
	c.window = 10;
	vpnha_health_init(&h, &c, true);
	EXPECT_EQ(h.win_bs, 1);
	EXPECT_EQ(h.win_nb, 10);
}

/*
 * Window change on a live tunnel: the probes in flight stay (their
 * replies still count), the window is emptied and the thresholds are
 * blind until the new window is full; any other change keeps it.
 */
static void test_window_change(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	struct vpnha_hc_figures f;
	uint16_t a, b;
	int64_t t = T0;
	int i;

	vpnha_hc_config_default(&c);
	c.window = 10;
	c.timeout_ms = 50;
	c.loss_threshold = 20;
	c.miss_count = 10;
	vpnha_health_init(&h, &c, true);
	/* 9 probes, every other one lost from probe 5: 22 %... */
	for (i = 0; i < 9; i++, t += 100 * MS) {
		uint16_t seq = vpnha_health_probe_sent(&h, t);

		if (i < 5 || i % 2 == 0)
			vpnha_health_reply(&h, seq, t + 10 * MS);
		else
			vpnha_health_tick(&h, t + 50 * MS);
	}
	EXPECT_EQ(h.win_entered, 9);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);

	/* ... but two probes are in flight when the window changes. */
	a = vpnha_health_probe_sent(&h, t);
	b = vpnha_health_probe_sent(&h, t + 10 * MS);
	c.window = 12;
	vpnha_health_reconfigure(&h, &c);
	vpnha_health_figures(&h, &f);
	EXPECT_EQ(f.probes, 0);
	EXPECT_EQ(h.win_entered, 0);
	EXPECT_EQ(h.win_bs, 1);
	EXPECT_EQ(h.win_nb, 12);
	EXPECT_EQ(vpnha_health_reply(&h, a, t + 30 * MS), VPNHA_HC_REPLY_OK);
	EXPECT_EQ(vpnha_health_reply(&h, b, t + 30 * MS), VPNHA_HC_REPLY_OK);
	EXPECT_EQ(h.win_ok, 2);
	EXPECT_EQ(h.stats.lost, 2);

	/* 2 of 3 lost from here: DEAD only once 12 probes entered. */
	t += 200 * MS;
	for (i = 0; i < 12; i++, t += 100 * MS) {
		uint16_t seq = vpnha_health_probe_sent(&h, t);

		if (i % 3 == 0)
			vpnha_health_reply(&h, seq, t + 10 * MS);
		else
			vpnha_health_tick(&h, t + 50 * MS);
		if (h.verdict == VPNHA_HC_DEAD)
			break;
	}
	/* Entered: a, b, then probes 0..9 (lost 1, 2, 4, 5, 7, 8, ... 9
	 * is answered): the 12th is probe 9 of the loop. */
	EXPECT_EQ(i, 9);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
	EXPECT_EQ(h.cause, VPNHA_HC_CAUSE_LOSS);
	EXPECT_EQ(h.cause_value, 50); /* 6 of 12 */

	/* Another change keeps the window and its totals. */
	c.loss_threshold = 60;
	vpnha_health_reconfigure(&h, &c);
	EXPECT_EQ(h.win_entered, 12);
	EXPECT_EQ(h.win_lost, 6);
	EXPECT_EQ(h.win_ok, 6);
	EXPECT_VERDICT(&h, VPNHA_HC_DEAD);
}

/*
 * The checker's size does not depend on the window, and a tunnel with
 * its checker stays within its share of the per-tunnel budget (the
 * probe adapter adds its own part: vpnha_probe_io.c asserts the total).
 */
static void test_size(void)
{
	CU_ASSERT(sizeof(struct vpnha_health) <= VPNHA_HC_SIZE_MAX);
	CU_ASSERT(sizeof(struct vpnha_tunnel) <= VPNHA_TUNNEL_SIZE_MAX);
	CU_ASSERT(VPNHA_MALLOC_CHUNK(VPNHA_TUNNEL_SIZE_MAX) +
			  VPNHA_PROBE_IO_SIZE_MAX <=
		  VPNHA_TUNNEL_MEM_MAX);
	CU_ASSERT(VPNHA_TUNNEL_MEM_MAX < 2048);
	fprintf(stderr,
		"\nsizeof: vpnha_health %zu (max %u), vpnha_tunnel %zu (max %u)\n",
		sizeof(struct vpnha_health), VPNHA_HC_SIZE_MAX,
		sizeof(struct vpnha_tunnel), VPNHA_TUNNEL_SIZE_MAX);
}

/* The configuration must keep every probe in flight in the ring. */
static void test_config_check(void)
{
	struct vpnha_hc_config c;
	char err[200] = "";

	vpnha_hc_config_default(&c);
	EXPECT_EQ(vpnha_hc_config_check(&c, err, sizeof(err)), 0);
	c.interval_ms = 10;
	c.timeout_ms = 160;
	EXPECT_EQ(vpnha_hc_config_check(&c, err, sizeof(err)), 0);
	c.timeout_ms = 161;
	EXPECT_EQ(vpnha_hc_config_check(&c, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(
		err,
		"health-check timeout 161 ms needs more than 16 probes in flight at interval 10 ms: allowed up to 16 x interval (160 ms)");
	c.interval_ms = 60000;
	c.timeout_ms = 60000;
	EXPECT_EQ(vpnha_hc_config_check(&c, err, sizeof(err)), 0);
}

/* Deterministic pseudo-random numbers (xorshift32). */
static uint32_t rng_state;

static uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

static int fate_random_loss(struct sim *s, uint64_t n)
{
	unsigned int pct = *(unsigned int *)s->arg;

	if (rng() % 100 < pct)
		return -1;
	return 5 + (int)(rng() % 40); /* 5..44 ms */
}

/* 5 % scattered loss with the defaults: never DEAD. */
static void test_scattered_loss(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;
	unsigned int pct = 5;
	struct vpnha_hc_figures f;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	rng_state = 0x5eed1234;
	s->fate = fate_random_loss;
	s->arg = &pct;

	/* 10000 probes (1000 s), then let the last ones complete. */
	sim_run_until(s, T0 + 1000000 * MS - MS);
	/* 10000 regular probes, and a confirmation or two per loss. */
	CU_ASSERT(s->nsent >= 10000 && s->nsent <= 11000);
	s->fate = fate_switch;
	s->down = false;
	sim_run_until(s, s->now + 600 * MS);

	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	CU_ASSERT(s->h.stats.lost > 400 && s->h.stats.lost < 650);
	EXPECT_EQ(s->h.stats.lost + s->h.stats.received, s->h.stats.sent);
	EXPECT_EQ(s->h.stats.late, 0);
	EXPECT_EQ(s->h.stats.invalid, 0);
	/* Window 100: 15 buckets of 7, so 99..105 probes. */
	vpnha_health_figures(&s->h, &f);
	CU_ASSERT(f.probes >= 99 && f.probes <= 105);

	/*
	 * The same with a 20 % loss threshold: still never.  (A 10 %
	 * threshold over a 100-probe window is NOT safe at 5 % random loss:
	 * P(>= 10 of 100) is about 3 %, and this run hits it 17 times.)
	 */
	c.loss_threshold = 20;
	sim_init(s, &c);
	rng_state = 0x5eed1234;
	s->fate = fate_random_loss;
	s->arg = &pct;
	sim_run_until(s, T0 + 1000000 * MS - MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);

	/* Sanity: 50 % loss does get caught by miss_count. */
	c.loss_threshold = 0;
	pct = 50;
	sim_init(s, &c);
	rng_state = 0x5eed1234;
	s->fate = fate_random_loss;
	s->arg = &pct;
	sim_run_until(s, T0 + 100000 * MS);
	CU_ASSERT(s->entered[VPNHA_HC_DEAD] > 0);
}


/* --- Detection (adaptive) --- */

/* RTT uniform in [rtt_ms - jit, rtt_ms + jit] (arg: jit in ms). */
static int fate_jitter(struct sim *s, uint64_t n)
{
	int jit = *(int *)s->arg;

	if (s->down)
		return -1;
	return s->rtt_ms - jit + (int)(rng() % (uint32_t)(2 * jit + 1));
}

/* A silent failure: DEAD from the absence of replies, with confirmation
 * probes C apart, well before the timeout rule. */
static void test_detect_adaptive(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;
	uint64_t sent;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	/* RTT 10 ms, no deviation: D = 10 + 10 ms slack. */
	EXPECT_EQ(s->h.srtt_us, 10 * MS);
	EXPECT_EQ(vpnha_health_detect_us(&s->h), 20 * MS);
	EXPECT_EQ(vpnha_health_detect_bound_us(&s->h),
		  (100 + 2 * 20 + 3 * 25) * MS);
	/* Nothing suspicious: no confirmation due, only regular probes. */
	EXPECT_EQ(vpnha_health_confirm_at(&s->h), 0);
	EXPECT_EQ(s->nsent, 20);

	/* Probe 20 (at 2000) and everything after it is lost. */
	s->down = true;
	sent = s->nsent;
	sim_run_until(s, T0 + 2019 * MS);
	EXPECT_EQ(s->nsent, sent + 1);
	EXPECT_EQ(vpnha_health_confirm_at(&s->h), T0 + 2020 * MS);
	/* Confirmations at 2020, 2045, 2070, 2095: the fifth unanswered
	 * probe, overdue 20 ms later. */
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_DEAD, 1000 * MS),
		  T0 + 2115 * MS);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_MISS);
	EXPECT_EQ(s->h.first_miss, T0 + 2000 * MS);
	EXPECT_EQ(s->h.dead_at, T0 + 2115 * MS);
	EXPECT_EQ(s->h.last_good, T0 + 1910 * MS);
	/* Probe 20, four confirmations and the regular probe at 2100. */
	EXPECT_EQ(s->nsent, sent + 6);
	/* Within the bound from the last answered probe's send time. */
	CU_ASSERT(s->h.dead_at - T0 - 1900 * MS <=
		  vpnha_health_detect_bound_us(&s->h));
	/* None was lost by timeout yet: this is not the timeout rule. */
	EXPECT_EQ(s->h.stats.lost, 0);
	/* DEAD: no more confirmations, the regular schedule only. */
	EXPECT_EQ(vpnha_health_confirm_at(&s->h), 0);
	sent = s->nsent;
	sim_run_until(s, T0 + 3099 * MS);
	EXPECT_EQ(s->nsent, sent + 9); /* 2200 .. 3000 */

	/* The same failure with detection timeout: no extra probe, DEAD on
	 * the fifth lost probe (sent at 2400) + 500 ms. */
	c.detection = VPNHA_HC_DETECT_TIMEOUT;
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	s->down = true;
	EXPECT_EQ(sim_run_to_verdict(s, VPNHA_HC_DEAD, 2000 * MS),
		  T0 + 2900 * MS);
	EXPECT_EQ(s->nsent, 29 + 1);
	EXPECT_EQ(vpnha_health_detect_bound_us(&s->h), (5 * 100 + 500) * MS);
}

/* A reply, however late, proves the path: one lost probe and a slow
 * reply clear the suspicion; 5 % random loss never gets a verdict. */
static void test_detect_clears(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	/* Probe 20 lost, then RTT 60 ms (> D 20 ms): the confirmations
	 * are overdue too, but their replies come before the fifth one's
	 * deadline. */
	s->down = true;
	sim_run_until(s, T0 + 2001 * MS);
	s->down = false;
	s->rtt_ms = 60;
	sim_run_until(s, T0 + 10000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	/* Learnt: D now covers 60 ms. */
	CU_ASSERT(vpnha_health_detect_us(&s->h) > 60 * MS);
	CU_ASSERT(s->h.srtt_us > 55 * MS && s->h.srtt_us < 65 * MS);
}

/*
 * RTT step: the documented behaviour.  A step smaller than about 2 D +
 * (miss_count - 2) C is learnt without a verdict; a larger one is a
 * failure, then a normal recovery, after which the slower path stays
 * up.
 */
static void test_detect_rtt_step(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;

	vpnha_hc_config_default(&c);
	c.hold_down_ms = 1000;
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	/* 10 -> 100 ms: under 2 x 20 + 3 x 25 = 115 ms. */
	s->rtt_ms = 100;
	sim_run_until(s, T0 + 60000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);

	/* 10 -> 300 ms: DEAD, then back by recovery + hold-down. */
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	s->rtt_ms = 300;
	CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_DEAD, 1000 * MS) != 0);
	EXPECT_EQ(s->h.cause, VPNHA_HC_CAUSE_MISS);
	CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_ALIVE, 5000 * MS) != 0);
	EXPECT_EQ(s->entered[VPNHA_HC_RECOVERING], 1);
	sim_run_until(s, s->now + 600000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 1);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	CU_ASSERT(vpnha_health_detect_us(&s->h) >= 300 * MS);
}

/* A steady 300 ms RTT, and 300 +- 40 ms jitter: never a verdict (10
 * minutes each); the same jitter around 100 ms neither. */
static void test_detect_slow_jittery(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;
	int jit = 40;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	s->rtt_ms = 300;
	sim_run_until(s, T0 + 600000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
	EXPECT_EQ(s->h.stats.lost, 0);

	sim_init(s, &c);
	rng_state = 0x0badcafe;
	s->fate = fate_jitter;
	s->arg = &jit;
	s->rtt_ms = 300;
	sim_run_until(s, T0 + 600000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);
	EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);

	sim_init(s, &c);
	rng_state = 0x0badcafe;
	s->fate = fate_jitter;
	s->arg = &jit;
	s->rtt_ms = 100;
	sim_run_until(s, T0 + 600000 * MS);
	EXPECT_EQ(s->entered[VPNHA_HC_DEAD], 0);
	/* Still fast for a silent failure after all that. */
	s->down = true;
	CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_DEAD, 1000 * MS) != 0);
	CU_ASSERT(s->h.dead_at - s->h.last_good <=
		  vpnha_health_detect_bound_us(&s->h));
}

/* Fast profiles: 20 ms x 3 and 10 ms x 3 within their bounds. */
static void test_detect_fast_profiles(void)
{
	static const uint32_t ivl[] = {20, 10};
	struct vpnha_hc_config c;
	struct sim *s = &S;
	unsigned int i;

	for (i = 0; i < array_size(ivl); i++) {
		int64_t t;

		vpnha_hc_config_default(&c);
		c.interval_ms = ivl[i];
		c.timeout_ms = 3 * ivl[i];
		c.miss_count = 3;
		sim_init(s, &c);
		s->rtt_ms = 1;
		sim_run_until(s, T0 + 1999 * MS);
		EXPECT_VERDICT(&s->h, VPNHA_HC_ALIVE);
		s->down = true;
		t = s->now;
		CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_DEAD, 500 * MS) != 0);
		/* From the failure (at most one interval after the last
		 * good probe was sent). */
		CU_ASSERT(s->h.dead_at - t <=
			  vpnha_health_detect_bound_us(&s->h));
		CU_ASSERT(vpnha_health_detect_bound_us(&s->h) <= 50 * MS);
	}
}

/*
 * Bug: a tunnel whose health check became BFD with an ICMP probe still
 * unanswered asked for a confirmation probe nobody sends: its deadline
 * stayed in the past and vpnhad spun at 100 % CPU.  After tick(now) the
 * next deadline is never in the past.
 */
static void test_detect_type_bfd(void)
{
	struct vpnha_hc_config c;
	static struct vpnha_health h;
	int64_t now = T0, dl;
	uint16_t seq;

	vpnha_hc_config_default(&c);
	vpnha_health_init(&h, &c, true);
	seq = vpnha_health_probe_sent(&h, now);
	vpnha_health_reply(&h, seq, now + 1 * MS);
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
	vpnha_health_probe_sent(&h, now + 100 * MS);
	c.type = VPNHA_HC_TYPE_BFD;
	vpnha_health_reconfigure(&h, &c);
	for (now = T0 + 100 * MS; now < T0 + 2000 * MS; now += 7 * MS) {
		vpnha_health_tick(&h, now);
		dl = vpnha_health_next_deadline(&h);
		CU_ASSERT(dl == 0 || dl > now);
		EXPECT_EQ(vpnha_health_confirm_at(&h), 0);
	}
	/* BFD decides: nothing from the probes. */
	EXPECT_VERDICT(&h, VPNHA_HC_ALIVE);
}

/* A reconfigure keeps the RTT estimate and the tail. */
static void test_detect_reconfigure(void)
{
	struct vpnha_hc_config c;
	struct sim *s = &S;
	uint32_t srtt;

	vpnha_hc_config_default(&c);
	sim_init(s, &c);
	sim_run_until(s, T0 + 1999 * MS);
	s->down = true;
	sim_run_until(s, T0 + 2050 * MS);
	srtt = s->h.srtt_us;
	CU_ASSERT(s->h.tail_count >= 2);
	c.miss_count = 3; /* now: the third probe of the tail decides */
	vpnha_health_reconfigure(&s->h, &c);
	EXPECT_EQ(s->h.srtt_us, srtt);
	CU_ASSERT(sim_run_to_verdict(s, VPNHA_HC_DEAD, 1000 * MS) != 0);
	CU_ASSERT(s->h.dead_at <= T0 + 2080 * MS);
}

/* --- Probe packets --- */

/* Independent RFC 1071 checksum for the tests. */
static uint16_t test_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void test_fix_cksum(uint8_t *icmp, size_t len)
{
	uint16_t c;

	icmp[2] = icmp[3] = 0;
	c = test_cksum(icmp, len);
	icmp[2] = c >> 8;
	icmp[3] = c & 0xff;
}

#define COOKIE 0x0123456789abcdefULL

/*
 * What a raw IPv4 ICMP socket reads for the reply to our request: IP
 * header (hl bytes, options zero) + the request turned into a reply.
 */
static size_t make_v4_reply(uint8_t *buf, size_t hl, const char *src,
			    uint16_t ident, uint16_t seq, int64_t sent)
{
	uint8_t *icmp = buf + hl;
	size_t n;

	memset(buf, 0, hl);
	n = vpnha_probe_build(icmp, 200, AF_INET, ident, seq, COOKIE, sent);
	icmp[0] = VPNHA_ICMP_ECHO_REPLY;
	test_fix_cksum(icmp, n);

	buf[0] = 0x40 | (uint8_t)(hl / 4);
	buf[2] = (uint8_t)((hl + n) >> 8);
	buf[3] = (uint8_t)((hl + n) & 0xff);
	buf[8] = 64;
	buf[9] = IPPROTO_ICMP;
	inet_pton(AF_INET, src, buf + 12);
	inet_pton(AF_INET, "10.0.0.1", buf + 16);
	return hl + n;
}

static void test_probe_build(void)
{
	uint8_t buf[64];
	size_t n;

	CU_ASSERT_EQUAL(vpnha_probe_build(buf, VPNHA_PROBE_LEN - 1, AF_INET, 1,
					  2, 3, 4),
			0);
	CU_ASSERT_EQUAL(
		vpnha_probe_build(buf, sizeof(buf), AF_UNIX, 1, 2, 3, 4), 0);

	n = vpnha_probe_build(buf, sizeof(buf), AF_INET, 0x1234, 0xfffe, COOKIE,
			      T0);
	EXPECT_EQ(n, 40);
	EXPECT_EQ(VPNHA_PROBE_LEN, 40);
	EXPECT_EQ(buf[0], 8);
	EXPECT_EQ(buf[1], 0);
	EXPECT_EQ(buf[4], 0x12);
	EXPECT_EQ(buf[5], 0x34);
	EXPECT_EQ(buf[6], 0xff);
	EXPECT_EQ(buf[7], 0xfe);
	CU_ASSERT(memcmp(buf + 8, "VPNHA", 5) == 0);
	EXPECT_EQ(buf[8 + 5], VPNHA_PROBE_VERSION);
	EXPECT_EQ(buf[16], 0x01); /* nonce, big-endian */
	EXPECT_EQ(buf[23], 0xef);
	/* The checksum verifies with an independent implementation. */
	EXPECT_EQ(test_cksum(buf, n), 0);

	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 0x1234, 7, COOKIE,
			      T0);
	EXPECT_EQ(n, 40);
	EXPECT_EQ(buf[0], 128);
	EXPECT_EQ(buf[2], 0); /* the kernel fills it */
	EXPECT_EQ(buf[3], 0);
}

static void test_probe_roundtrip_v4(void)
{
	uint8_t buf[128];
	struct vpnha_probe_reply r;
	char err[128] = "";
	struct in_addr a;
	size_t n;

	n = make_v4_reply(buf, 20, "10.0.0.2", 0xbeef, 65535, T0 + 42);
	EXPECT_EQ(n, 60);
	CU_ASSERT_EQUAL_FATAL(
		vpnha_probe_parse(buf, n, AF_INET, true, &r, err, sizeof(err)),
		0);
	EXPECT_EQ(r.ident, 0xbeef);
	EXPECT_EQ(r.seq, 65535);
	CU_ASSERT(r.nonce == COOKIE);
	EXPECT_EQ(r.sent_us, T0 + 42);
	EXPECT_EQ(r.src.ipa_type, IPADDR_V4);
	inet_pton(AF_INET, "10.0.0.2", &a);
	CU_ASSERT(r.src.ipaddr_v4.s_addr == a.s_addr);
	EXPECT_EQ(r.ifindex, IFINDEX_INTERNAL);

	/* IP options (24-byte header) are skipped. */
	n = make_v4_reply(buf, 24, "10.0.0.2", 1, 2, -5);
	CU_ASSERT_EQUAL(
		vpnha_probe_parse(buf, n, AF_INET, true, &r, err, sizeof(err)),
		0);
	EXPECT_EQ(r.sent_us, -5);
	EXPECT_EQ(r.seq, 2);

	/* Trailing bytes past the IP total length are ignored. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 3, 0);
	CU_ASSERT_EQUAL(vpnha_probe_parse(buf, n + 4, AF_INET, true, &r, err,
					  sizeof(err)),
			0);

	/* Without the IP header (ping sockets): no source. */
	CU_ASSERT_EQUAL(vpnha_probe_parse(buf + 20, n - 20, AF_INET, false, &r,
					  err, sizeof(err)),
			0);
	EXPECT_EQ(r.src.ipa_type, IPADDR_NONE);
	EXPECT_EQ(r.seq, 3);
}

static void test_probe_roundtrip_v6(void)
{
	uint8_t buf[128];
	struct vpnha_probe_reply r;
	char err[128] = "";
	struct in6_addr a;
	size_t n;

	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 0x4242, 9, COOKIE,
			      T0 + 7);
	buf[0] = VPNHA_ICMP6_ECHO_REPLY;
	CU_ASSERT_EQUAL_FATAL(vpnha_probe_parse(buf, n, AF_INET6, false, &r,
						err, sizeof(err)),
			      0);
	EXPECT_EQ(r.ident, 0x4242);
	EXPECT_EQ(r.seq, 9);
	CU_ASSERT(r.nonce == COOKIE);
	EXPECT_EQ(r.sent_us, T0 + 7);
	EXPECT_EQ(r.src.ipa_type, IPADDR_NONE);

	/* With an IPv6 header in front. */
	memmove(buf + 40, buf, n);
	memset(buf, 0, 40);
	buf[0] = 0x60;
	buf[5] = (uint8_t)n;
	buf[6] = IPPROTO_ICMPV6;
	buf[7] = 64;
	inet_pton(AF_INET6, "2001:db8::2", buf + 8);
	inet_pton(AF_INET6, "2001:db8::1", buf + 24);
	CU_ASSERT_EQUAL(vpnha_probe_parse(buf, n + 40, AF_INET6, true, &r, err,
					  sizeof(err)),
			0);
	EXPECT_EQ(r.src.ipa_type, IPADDR_V6);
	inet_pton(AF_INET6, "2001:db8::2", &a);
	CU_ASSERT(memcmp(&r.src.ipaddr_v6, &a, sizeof(a)) == 0);
	EXPECT_EQ(r.seq, 9);
	/* Wrong next header. */
	buf[6] = IPPROTO_UDP;
	CU_ASSERT_EQUAL(vpnha_probe_parse(buf, n + 40, AF_INET6, true, &r, err,
					  sizeof(err)),
			-1);
}

#define EXPECT_PARSE_FAIL(buf, n, fam, hdr, want)                              \
	do {                                                                   \
		struct vpnha_probe_reply _r;                                   \
		char _err[160] = "";                                           \
		CU_ASSERT_EQUAL(vpnha_probe_parse(buf, n, fam, hdr, &_r, _err, \
						  sizeof(_err)),               \
				-1);                                           \
		if (strcmp(_err, want) != 0)                                   \
			fprintf(stderr, "\n%s:%d: errmsg '%s', not '%s'\n",    \
				__FILE__, __LINE__, _err, want);               \
		CU_ASSERT_STRING_EQUAL(_err, want);                            \
	} while (0)

static void test_probe_parse_errors(void)
{
	uint8_t buf[128];
	size_t n;

	/* Bad checksum. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[20 + 30] ^= 0x01;
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true, "Bad ICMP checksum 0x7c39");

	/* Truncated: IP says 60, 50 received. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	EXPECT_PARSE_FAIL(
		buf, n - 10, AF_INET, true,
		"Truncated datagram: IPv4 length 60, 50 bytes received");
	/* Truncated: short ICMP message (consistent IP length). */
	buf[2] = 0;
	buf[3] = 50;
	EXPECT_PARSE_FAIL(buf, 50, AF_INET, true,
			  "Truncated echo reply: 30 bytes of ICMP, need 40");
	/* Truncated: not even an IP header / an ICMP header. */
	EXPECT_PARSE_FAIL(buf, 12, AF_INET, true,
			  "Datagram too short for an IPv4 header (12 bytes)");
	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 1, 2, 3, 4);
	buf[0] = VPNHA_ICMP6_ECHO_REPLY;
	EXPECT_PARSE_FAIL(buf, 6, AF_INET6, false,
			  "Truncated ICMP header (6 bytes)");
	EXPECT_PARSE_FAIL(buf, n - 1, AF_INET6, false,
			  "Truncated echo reply: 39 bytes of ICMP, need 40");

	/* Echo request, not a reply (both families). */
	n = vpnha_probe_build(buf, sizeof(buf), AF_INET, 1, 2, 3, 4);
	EXPECT_PARSE_FAIL(buf, n, AF_INET, false,
			  "Echo request, not an echo reply");
	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 1, 2, 3, 4);
	EXPECT_PARSE_FAIL(buf, n, AF_INET6, false,
			  "Echo request, not an echo reply");
	/* Other ICMP types: destination unreachable. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[20] = 3;
	test_fix_cksum(buf + 20, n - 20);
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true,
			  "ICMP type 3 is not an echo reply");
	/* Non-zero code. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[21] = 1;
	test_fix_cksum(buf + 20, n - 20);
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true, "Echo reply with code 1");

	/* Wrong magic: someone else's echo reply (checksum correct). */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[28] = 'X';
	test_fix_cksum(buf + 20, n - 20);
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true,
			  "No vpnhad magic in echo reply payload");
	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 1, 2, 3, 4);
	buf[0] = VPNHA_ICMP6_ECHO_REPLY;
	buf[12] = 'Z';
	EXPECT_PARSE_FAIL(buf, n, AF_INET6, false,
			  "No vpnhad magic in echo reply payload");
	/* Wrong version. */
	buf[12] = 'A';
	buf[13] = 9;
	EXPECT_PARSE_FAIL(buf, n, AF_INET6, false,
			  "Unsupported probe version 9");

	/* Not ICMP, not IPv4, a fragment. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[9] = IPPROTO_UDP;
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true, "Not ICMP (IPv4 protocol 17)");
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[0] = 0x65;
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true, "Not IPv4 (version 6)");
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[6] = 0x20; /* MF */
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true, "IPv4 fragment");
	n = make_v4_reply(buf, 20, "10.0.0.2", 1, 2, 3);
	buf[0] = 0x44; /* IHL 16 bytes */
	EXPECT_PARSE_FAIL(buf, n, AF_INET, true,
			  "Bad IPv4 header length 16 (60 bytes received)");
	EXPECT_PARSE_FAIL(buf, n, AF_UNIX, true,
			  "Unsupported address family 1");

	/* errmsg may be NULL. */
	{
		struct vpnha_probe_reply r;

		CU_ASSERT_EQUAL(
			vpnha_probe_parse(buf, 3, AF_INET, true, &r, NULL, 0),
			-1);
	}
}

static void test_probe_validate(void)
{
	uint8_t buf[128];
	struct vpnha_probe_reply r, r6;
	struct vpnha_probe_expect e, e6;
	size_t n;

	n = make_v4_reply(buf, 20, "10.0.0.2", 0x77, 5, T0);
	CU_ASSERT_EQUAL_FATAL(
		vpnha_probe_parse(buf, n, AF_INET, true, &r, NULL, 0), 0);
	r.ifindex = 7; /* the caller's IP_PKTINFO */

	memset(&e, 0, sizeof(e));
	e.ident = 0x77;
	str2ipaddr("10.0.0.2", &e.peer);
	e.ifindex = 7;
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_OK);

	e.ident = 0x78;
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_IDENT);
	e.ident = 0x77;
	str2ipaddr("10.0.0.3", &e.peer);
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_SOURCE);
	str2ipaddr("::ffff:10.0.0.2", &e.peer);
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_SOURCE);
	str2ipaddr("10.0.0.2", &e.peer);
	e.ifindex = 8;
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_INTERFACE);
	e.ifindex = 7;
	/* To another local address: the shared socket sees them all. */
	CU_ASSERT_EQUAL(r.dst.ipa_type, IPADDR_V4); /* from the header */
	str2ipaddr("10.0.0.1", &e.local);
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_OK);
	str2ipaddr("10.0.0.9", &e.local);
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_INTERFACE);
	str2ipaddr("::ffff:10.0.0.1", &e.local);
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_INTERFACE);
	/* Ident is checked first. */
	e.ident = 1;
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_WRONG_IDENT);

	/* Unset peer / interface: any. */
	memset(&e, 0, sizeof(e));
	e.ident = 0x77;
	EXPECT_EQ(vpnha_probe_validate(&r, &e), VPNHA_PROBE_OK);

	/* IPv6: the caller fills src and ifindex. */
	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 0x99, 1, COOKIE, T0);
	buf[0] = VPNHA_ICMP6_ECHO_REPLY;
	CU_ASSERT_EQUAL_FATAL(
		vpnha_probe_parse(buf, n, AF_INET6, false, &r6, NULL, 0), 0);
	memset(&e6, 0, sizeof(e6));
	e6.ident = 0x99;
	str2ipaddr("2001:db8::2", &e6.peer);
	e6.ifindex = 3;
	/* No source filled in: cannot be the peer. */
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_WRONG_SOURCE);
	str2ipaddr("2001:db8::2", &r6.src);
	r6.ifindex = 3;
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_OK);
	str2ipaddr("2001:db8::3", &r6.src);
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_WRONG_SOURCE);
	str2ipaddr("2001:db8::2", &r6.src);
	r6.ifindex = 4;
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_WRONG_INTERFACE);
	/* The local address: no IPV6_PKTINFO (dst unset) is refused. */
	r6.ifindex = 3;
	str2ipaddr("2001:db8::1", &e6.local);
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_WRONG_INTERFACE);
	str2ipaddr("2001:db8::1", &r6.dst);
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_OK);
	str2ipaddr("2001:db8::5", &r6.dst);
	EXPECT_EQ(vpnha_probe_validate(&r6, &e6), VPNHA_PROBE_WRONG_INTERFACE);

	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_name(VPNHA_PROBE_OK), "ok");
	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_name(VPNHA_PROBE_WRONG_IDENT),
			       "wrong-ident");
	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_name(VPNHA_PROBE_WRONG_NONCE),
			       "wrong-nonce");
	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_key(VPNHA_PROBE_WRONG_TIME),
			       "wrongSendTime");
	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_key(VPNHA_PROBE_UNKNOWN_SEQ),
			       "unknownSeq");
	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_name(VPNHA_PROBE_WRONG_SOURCE),
			       "wrong-source");
	CU_ASSERT_STRING_EQUAL(
		vpnha_probe_check_name(VPNHA_PROBE_WRONG_INTERFACE),
		"wrong-interface");
	CU_ASSERT_STRING_EQUAL(vpnha_probe_check_name(99), "invalid");
}

/*
 * A reply must answer this very probe: its sequence in the window, the
 * probe's own nonce and send time.
 */
/* The shared socket's demultiplexer: the identifier, nothing else. */
static void test_probe_demux(void)
{
	uint8_t buf[128];
	uint16_t ident = 0;
	size_t n;

	n = make_v4_reply(buf, 20, "10.0.0.2", 0xabcd, 5, T0);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), 0);
	CU_ASSERT_EQUAL(ident, 0xabcd);
	/* With IPv4 options. */
	n = make_v4_reply(buf, 24, "10.0.0.2", 0x0102, 5, T0);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), 0);
	CU_ASSERT_EQUAL(ident, 0x0102);
	/* Too short for the ICMP header; not IPv4; not ICMP; bad IHL. */
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, 24 + 7, AF_INET, true, &ident),
			-1);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, 19, AF_INET, true, &ident), -1);
	buf[0] = 0x66;
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), -1);
	buf[0] = 0x46;
	buf[9] = IPPROTO_UDP;
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), -1);
	buf[9] = IPPROTO_ICMP;
	buf[0] = 0x44;
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), -1);
	/* An echo request (ours, looped back) is nobody's reply. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 0xabcd, 5, T0);
	buf[20] = VPNHA_ICMP_ECHO_REQUEST;
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), -1);
	/* Someone else's ping has an identifier too: the tunnel's checks
	 * (parse, validate) refuse it, if a tunnel has that identifier. */
	n = make_v4_reply(buf, 20, "10.0.0.2", 0x4242, 5, T0);
	memset(buf + 28, 'x', n - 28);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET, true, &ident), 0);
	CU_ASSERT_EQUAL(ident, 0x4242);

	/* ICMPv6: no IP header. */
	n = vpnha_probe_build(buf, sizeof(buf), AF_INET6, 0x9999, 1, COOKIE,
			      T0);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET6, false, &ident),
			-1); /* a request */
	buf[0] = VPNHA_ICMP6_ECHO_REPLY;
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_INET6, false, &ident), 0);
	CU_ASSERT_EQUAL(ident, 0x9999);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, 7, AF_INET6, false, &ident), -1);
	CU_ASSERT_EQUAL(vpnha_probe_demux(buf, n, AF_UNIX, false, &ident), -1);
}

/* Where a reply arrived, from the control messages. */
static void test_probe_pktinfo(void)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr msg = {};
	struct cmsghdr *cm;
	struct in_pktinfo pi = {.ipi_ifindex = 12};
	struct in6_pktinfo pi6 = {.ipi6_ifindex = 13};
	struct ipaddr dst, want;
	ifindex_t ifindex;
	int ttl = 64;

	/* No control message: nowhere, which no tunnel accepts. */
	vpnha_probe_pktinfo(&msg, AF_INET, &ifindex, &dst);
	CU_ASSERT_EQUAL(ifindex, IFINDEX_INTERNAL);
	CU_ASSERT_EQUAL(dst.ipa_type, IPADDR_NONE);

	/* Another message first, then IP_PKTINFO. */
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pi));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_TTL;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ttl, sizeof(ttl));
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	inet_pton(AF_INET, "169.254.1.1", &pi.ipi_addr);
	inet_pton(AF_INET, "169.254.9.9", &pi.ipi_spec_dst);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	vpnha_probe_pktinfo(&msg, AF_INET, &ifindex, &dst);
	CU_ASSERT_EQUAL(ifindex, 12);
	str2ipaddr("169.254.1.1", &want); /* the header's, not spec_dst */
	CU_ASSERT_EQUAL(dst.ipa_type, IPADDR_V4);
	CU_ASSERT(dst.ipaddr_v4.s_addr == want.ipaddr_v4.s_addr);
	/* The other family's message is not taken. */
	vpnha_probe_pktinfo(&msg, AF_INET6, &ifindex, &dst);
	CU_ASSERT_EQUAL(ifindex, IFINDEX_INTERNAL);
	CU_ASSERT_EQUAL(dst.ipa_type, IPADDR_NONE);
	/* Truncated: not taken. */
	cm->cmsg_len = CMSG_LEN(sizeof(pi) - 1);
	vpnha_probe_pktinfo(&msg, AF_INET, &ifindex, &dst);
	CU_ASSERT_EQUAL(ifindex, IFINDEX_INTERNAL);

	/* IPV6_PKTINFO. */
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi6));
	inet_pton(AF_INET6, "2001:db8::1", &pi6.ipi6_addr);
	memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
	vpnha_probe_pktinfo(&msg, AF_INET6, &ifindex, &dst);
	CU_ASSERT_EQUAL(ifindex, 13);
	str2ipaddr("2001:db8::1", &want);
	CU_ASSERT_EQUAL(dst.ipa_type, IPADDR_V6);
	CU_ASSERT(!memcmp(&dst.ipaddr_v6, &want.ipaddr_v6, 16));
	vpnha_probe_pktinfo(&msg, AF_INET, &ifindex, &dst);
	CU_ASSERT_EQUAL(ifindex, IFINDEX_INTERNAL);
}

static void test_probe_verify(void)
{
	static struct vpnha_health h;
	struct vpnha_hc_config c;
	struct vpnha_hc_slot *s;
	struct vpnha_probe_reply r = {};
	uint16_t seq;
	int i;

	vpnha_hc_config_default(&c);
	vpnha_health_init(&h, &c, true);
	seq = vpnha_health_probe_sent(&h, T0);
	s = vpnha_health_slot_find(&h, seq);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->nonce = COOKIE;
	EXPECT_EQ(s->sent, T0);

	r.seq = seq;
	r.nonce = COOKIE;
	r.sent_us = T0;
	EXPECT_EQ(vpnha_probe_verify(&r, s), VPNHA_PROBE_OK);
	r.nonce = COOKIE ^ 1;
	EXPECT_EQ(vpnha_probe_verify(&r, s), VPNHA_PROBE_WRONG_NONCE);
	r.nonce = COOKIE;
	r.sent_us = T0 + 100 * MS;
	EXPECT_EQ(vpnha_probe_verify(&r, s), VPNHA_PROBE_WRONG_TIME);
	/* Extrapolated sequences were never sent: not in the window. */
	CU_ASSERT_PTR_NULL(vpnha_health_slot_find(&h, seq + 1));
	CU_ASSERT_PTR_NULL(vpnha_health_slot_find(&h, seq - 1));
	EXPECT_EQ(vpnha_probe_verify(&r, NULL), VPNHA_PROBE_UNKNOWN_SEQ);
	/* A forged reply leaves the probe in flight: it still times out. */
	EXPECT_EQ(h.stats.received, 0);
	vpnha_health_tick(&h, T0 + 500 * MS);
	EXPECT_EQ(h.stats.lost, 1);

	/*
	 * Once its slot is reused, a copy of a genuine reply to the old
	 * probe proves nothing: its sequence is unknown, and the new probe
	 * of the slot (same seq % 16) has its own nonce and time.
	 */
	for (i = 1; i <= VPNHA_HC_INFLIGHT; i++) {
		uint16_t sq = vpnha_health_probe_sent(&h, T0 + i * 100 * MS);

		vpnha_health_slot_find(&h, sq)->nonce = COOKIE + i;
	}
	r.seq = seq;
	r.nonce = COOKIE;
	r.sent_us = T0;
	CU_ASSERT_PTR_NULL(vpnha_health_slot_find(&h, seq));
	EXPECT_EQ(vpnha_probe_verify(&r, vpnha_health_slot_find(&h, r.seq)),
		  VPNHA_PROBE_UNKNOWN_SEQ);
	r.seq = seq + VPNHA_HC_INFLIGHT;
	s = vpnha_health_slot_find(&h, r.seq);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(s == &h.ring[seq % VPNHA_HC_INFLIGHT]);
	EXPECT_EQ(vpnha_probe_verify(&r, s), VPNHA_PROBE_WRONG_NONCE);
	r.nonce = COOKIE + VPNHA_HC_INFLIGHT;
	EXPECT_EQ(vpnha_probe_verify(&r, s), VPNHA_PROBE_WRONG_TIME);
	r.sent_us = T0 + VPNHA_HC_INFLIGHT * 100 * MS;
	EXPECT_EQ(vpnha_probe_verify(&r, s), VPNHA_PROBE_OK);
}

/* Nonces, identifiers, first sequences: not predictable, not constant. */
static void test_probe_random(void)
{
	static uint64_t v[1000];
	unsigned int i, j, same = 0;
	uint16_t a, b;

	for (i = 0; i < array_size(v); i++)
		vpnha_probe_random(&v[i], sizeof(v[i]));
	for (i = 0; i < array_size(v); i++)
		for (j = i + 1; j < array_size(v); j++)
			if (v[i] == v[j])
				same++;
	EXPECT_EQ(same, 0);
	/* Consecutive values are not in arithmetic progression. */
	CU_ASSERT(v[2] - v[1] != v[1] - v[0]);
	vpnha_probe_random(&a, sizeof(a));
	vpnha_probe_random(&b, sizeof(b));
	vpnha_probe_random(&v[0], 3); /* odd sizes work */
	CU_ASSERT(a != b || v[1] != v[2]);
}

/* --- Replies read by the next wakeup --- */

static void test_probe_rx_can_wait(void)
{
	int64_t now = 1000000000LL;

	/* No wakeup scheduled: nobody would read them. */
	CU_ASSERT_FALSE(vpnha_probe_rx_can_wait(now, 0));
	/* Due now, overdue, or within the bound: that wakeup reads them. */
	CU_ASSERT_TRUE(vpnha_probe_rx_can_wait(now, now));
	CU_ASSERT_TRUE(vpnha_probe_rx_can_wait(now, now - 50000));
	CU_ASSERT_TRUE(
		vpnha_probe_rx_can_wait(now, now + VPNHA_PROBE_RX_COALESCE_US));
	/* Later: a read event of their own. */
	CU_ASSERT_FALSE(vpnha_probe_rx_can_wait(
		now, now + VPNHA_PROBE_RX_COALESCE_US + 1));
	CU_ASSERT_FALSE(vpnha_probe_rx_can_wait(now, now + 100000));
	/* Below the detection slack: a reply read late still moves its
	 * tunnel's deadline in time. */
	CU_ASSERT(VPNHA_PROBE_RX_COALESCE_US < VPNHA_HC_DETECT_SLACK_MS * 1000);
}

/* --- Probe engine overload --- */

static void test_probe_overload(void)
{
	struct vpnha_probe_overload o = {};
	const int64_t P = VPNHA_PROBE_OVERLOAD_PERIOD_US, t0 = 1000000;
	uint64_t sent = 0, overdue = 0;

	/* The first call starts a period; nothing judged inside one. */
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0, sent, overdue), 0);
	sent += 100000, overdue += 5000;
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + P - 1, sent, overdue),
		  0);
	CU_ASSERT(!o.on);
	/* The period ends: 5 % overdue, overloaded, said once. */
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + P, sent, overdue), 1);
	CU_ASSERT(o.on);
	EXPECT_EQ(o.period_sent, 100000);
	EXPECT_EQ(o.period_overdue, 5000);
	EXPECT_EQ(o.period_us, P);
	/* Still overloaded the next period: no new report. */
	sent += 100000, overdue += 1000; /* exactly 1 % */
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + 2 * P, sent, overdue),
		  0);
	CU_ASSERT(o.on);
	/* Below 1 %: it ends, said once. */
	sent += 100000, overdue += 999;
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + 3 * P, sent, overdue),
		  -1);
	CU_ASSERT(!o.on);
	sent += 100000;
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + 4 * P, sent, overdue),
		  0);
	/* A few tunnels: 99 of 200 late is not an overload (a commit's
	 * moment at a handful of tunnels), 100 of 200 is. */
	sent += 200, overdue += 99;
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + 5 * P, sent, overdue),
		  0);
	sent += 200, overdue += 100;
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + 6 * P, sent, overdue),
		  1);
	/* A long stall (no sends for minutes) is one long period. */
	sent += 1000;
	EXPECT_EQ(vpnha_probe_overload_update(&o, t0 + 60 * P, sent, overdue),
		  -1);
	EXPECT_EQ(o.period_us, 54 * P);
}

/* --- Scheduler --- */

struct sched_test_item {
	struct vpnha_sched_item sitm;
	int id;
};

static void test_sched(void)
{
	static struct vpnha_sched sch;
	static struct sched_test_item it[5];
	struct vpnha_sched_item *p;
	int64_t whens[] = {500, 100, 300, 200, 400};
	int order[5], n = 0;
	unsigned int i;

	memset(it, 0, sizeof(it));
	vpnha_sched_init(&sch);
	EXPECT_EQ(vpnha_sched_next(&sch), 0);
	CU_ASSERT_PTR_NULL(vpnha_sched_pop_due(&sch, T0));
	for (i = 0; i < array_size(it); i++) {
		it[i].id = i;
		vpnha_sched_set(&sch, &it[i].sitm, T0 + whens[i]);
	}
	EXPECT_EQ(vpnha_sched_count(&sch), 5);
	EXPECT_EQ(vpnha_sched_next(&sch), T0 + 100);
	/* Re-queue: moves, never duplicates. */
	vpnha_sched_set(&sch, &it[1].sitm, T0 + 600);
	vpnha_sched_set(&sch, &it[1].sitm, T0 + 250);
	EXPECT_EQ(vpnha_sched_count(&sch), 5);
	EXPECT_EQ(vpnha_sched_next(&sch), T0 + 200);
	/* The same time again (a reply that leaves the next probe the
	 * earliest event): no change, no duplicate. */
	vpnha_sched_set(&sch, &it[3].sitm, T0 + 200);
	EXPECT_EQ(vpnha_sched_count(&sch), 5);
	EXPECT_EQ(vpnha_sched_next(&sch), T0 + 200);
	EXPECT_EQ(it[3].sitm.when, T0 + 200);
	/* 0 removes; removing twice is harmless. */
	vpnha_sched_set(&sch, &it[4].sitm, 0);
	vpnha_sched_set(&sch, &it[4].sitm, 0);
	EXPECT_EQ(vpnha_sched_count(&sch), 4);

	/* Nothing is due before its time. */
	CU_ASSERT_PTR_NULL(vpnha_sched_pop_due(&sch, T0 + 199));
	/* Due items come out earliest first, then nothing. */
	while ((p = vpnha_sched_pop_due(&sch, T0 + 300))) {
		struct sched_test_item *ti =
			container_of(p, struct sched_test_item, sitm);

		EXPECT_EQ(p->when, 0);
		order[n++] = ti->id;
	}
	EXPECT_EQ(n, 3);
	EXPECT_EQ(order[0], 3);
	EXPECT_EQ(order[1], 1);
	EXPECT_EQ(order[2], 2);
	EXPECT_EQ(vpnha_sched_next(&sch), T0 + 500);
	/* A popped item can be queued again. */
	vpnha_sched_set(&sch, &it[3].sitm, T0 + 450);
	EXPECT_EQ(vpnha_sched_next(&sch), T0 + 450);
	vpnha_sched_fini(&sch);
	EXPECT_EQ(it[0].sitm.when, 0);
	EXPECT_EQ(it[3].sitm.when, 0);

	EXPECT_EQ(vpnha_sched_min(0, 0), 0);
	EXPECT_EQ(vpnha_sched_min(0, 5), 5);
	EXPECT_EQ(vpnha_sched_min(7, 0), 7);
	EXPECT_EQ(vpnha_sched_min(7, 5), 5);
}

/* The heap against a plain array: random times, moves and removals
 * (ties included); pops come out in time order and every item's
 * queued time stays its own. */
static void test_sched_random(void)
{
	enum { N = 300, OPS = 20000 };
	static struct vpnha_sched sch;
	static struct sched_test_item it[N];
	static int64_t ref[N];
	struct vpnha_sched_item *p;
	uint32_t rnd = 12345;
	unsigned int i, k, count = 0, bad = 0;
	int64_t now = T0, last;

	memset(it, 0, sizeof(it));
	memset(ref, 0, sizeof(ref));
	for (i = 0; i < N; i++)
		it[i].id = i;
	vpnha_sched_init(&sch);
	for (k = 0; k < OPS; k++) {
		int64_t when, min = 0;

		rnd = rnd * 1103515245 + 12345;
		i = (rnd >> 8) % N;
		rnd = rnd * 1103515245 + 12345;
		/* 1 in 8: remove; else a time in the next 1000 (ties). */
		when = (rnd >> 8) % 8 ? now + 1 + (rnd >> 12) % 1000 : 0;
		if (!ref[i] && when)
			count++;
		else if (ref[i] && !when)
			count--;
		ref[i] = when;
		vpnha_sched_set(&sch, &it[i].sitm, when);
		if (vpnha_sched_count(&sch) != count)
			bad++;
		for (i = 0; i < N; i++)
			if (ref[i] && (!min || ref[i] < min))
				min = ref[i];
		if (vpnha_sched_next(&sch) != min)
			bad++;
		/* Now and then time moves on: the due items, in order. */
		if (k % 50 == 49) {
			now += 100;
			last = 0;
			while ((p = vpnha_sched_pop_due(&sch, now))) {
				struct sched_test_item *ti = container_of(
					p, struct sched_test_item, sitm);

				if (ref[ti->id] > now || ref[ti->id] < last)
					bad++;
				last = ref[ti->id];
				ref[ti->id] = 0;
				count--;
			}
			for (i = 0; i < N; i++)
				if ((ref[i] && ref[i] <= now) ||
				    it[i].sitm.when != ref[i])
					bad++;
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(vpnha_sched_count(&sch), count);
	vpnha_sched_fini(&sch);
	for (i = 0; i < N; i++)
		if (it[i].sitm.when)
			bad++;
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(vpnha_sched_count(&sch), 0);
}

/* --- Configuration changes and reasons --- */

static int fate_alternate(struct sim *s, uint64_t n)
{
	return n % 2 ? -1 : 10;
}

/*
 * A configuration change keeps the verdict until the probes decide:
 * DEAD stays DEAD (with its failure figures), RECOVERING keeps its
 * hold-down, ALIVE stays ALIVE.
 */
static void test_reconfigure(void)
{
	struct vpnha_hc_config c;
	int64_t first_miss, last_good, dead_at, hold_until;

	vpnha_hc_config_default(&c);
	sim_init(&S, &c);
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_ALIVE, 100 * MS));
	S.down = true;
	CU_ASSERT_FATAL(sim_run_to_verdict(&S, VPNHA_HC_DEAD, 2000 * MS));
	first_miss = S.h.first_miss;
	last_good = S.h.last_good;
	dead_at = S.h.dead_at;
	CU_ASSERT(first_miss && last_good && dead_at);

	c.miss_count = 6;
	vpnha_health_reconfigure(&S.h, &c);
	EXPECT_VERDICT(&S.h, VPNHA_HC_DEAD);
	EXPECT_EQ(S.h.cfg.miss_count, 6);
	EXPECT_EQ(S.h.cause, VPNHA_HC_CAUSE_MISS);
	EXPECT_EQ(S.h.first_miss, first_miss);
	EXPECT_EQ(S.h.last_good, last_good);
	EXPECT_EQ(S.h.dead_at, dead_at);
	/* Still dead while the probes are lost, never unknown. */
	sim_run_until(&S, S.now + 3000 * MS);
	EXPECT_VERDICT(&S.h, VPNHA_HC_DEAD);
	EXPECT_EQ(S.entered[VPNHA_HC_DEAD], 1);
	EXPECT_EQ(S.entered[VPNHA_HC_UNKNOWN], 0);

	/* Replies again: recovery-count, then RECOVERING. */
	S.down = false;
	CU_ASSERT_FATAL(sim_run_to_verdict(&S, VPNHA_HC_RECOVERING, 2000 * MS));
	hold_until = S.h.hold_until;
	c.recovery_count = 3;
	vpnha_health_reconfigure(&S.h, &c);
	sim_note(&S);
	EXPECT_VERDICT(&S.h, VPNHA_HC_RECOVERING);
	EXPECT_EQ(S.h.hold_until, hold_until);
	EXPECT_EQ(vpnha_health_next_deadline(&S.h) <= hold_until, 1);
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_ALIVE, 4000 * MS));
	EXPECT_EQ(S.entered_at[VPNHA_HC_ALIVE], hold_until);

	c.interval_ms = 50;
	vpnha_health_reconfigure(&S.h, &c);
	EXPECT_VERDICT(&S.h, VPNHA_HC_ALIVE);

	/* Unknown stays unknown (optimistic start unchanged). */
	sim_init(&S, &c);
	vpnha_health_reconfigure(&S.h, &c);
	EXPECT_VERDICT(&S.h, VPNHA_HC_UNKNOWN);

	/* No-preempt block: kept while preempt is off, lifted when on. */
	c.preempt = false;
	c.hold_down_ms = 500;
	sim_init(&S, &c);
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_ALIVE, 100 * MS));
	S.down = true;
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_DEAD, 2000 * MS));
	S.down = false;
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_RECOVERING, 3000 * MS));
	CU_ASSERT(S.h.preempt_block);
	vpnha_health_reconfigure(&S.h, &c);
	CU_ASSERT(S.h.preempt_block);
	c.preempt = true;
	vpnha_health_reconfigure(&S.h, &c);
	CU_ASSERT(!S.h.preempt_block);
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_ALIVE, 1000 * MS));
}

static void expect_reason(const struct vpnha_health *h, const char *want)
{
	char buf[160];

	vpnha_health_reason(h, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fprintf(stderr, "\nreason '%s', not '%s'\n", buf, want);
	CU_ASSERT_STRING_EQUAL(buf, want);
}

/* The reason says why: misses, late replies with their RTT, thresholds. */
static void test_reason(void)
{
	struct vpnha_hc_config c;
	char buf[160];

	vpnha_hc_config_default(&c);
	c.detection = VPNHA_HC_DETECT_TIMEOUT; /* the timeout rule */
	sim_init(&S, &c);
	vpnha_health_reason(&S.h, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_ALIVE, 100 * MS));
	S.down = true;
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_DEAD, 2000 * MS));
	/* Last reply 10 ms after a probe; 5 misses at 100 ms + timeout. */
	snprintf(buf, sizeof(buf),
		 "5 consecutive misses, last reply %lld ms before",
		 (long long)(S.h.dead_at - S.h.last_good) / MS);
	expect_reason(&S.h, buf);
	CU_ASSERT((S.h.dead_at - S.h.last_good) / MS >= 890);

	/* Replies 300 ms after their probe, timeout 200 ms: late. */
	c.timeout_ms = 200;
	sim_init(&S, &c);
	S.rtt_ms = 300;
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_DEAD, 2000 * MS));
	EXPECT_EQ(S.entered[VPNHA_HC_ALIVE], 0);
	expect_reason(
		&S.h,
		"5 consecutive misses: replies late, rtt 300 ms > timeout 200 ms");

	/* Half the probes lost, threshold 30% over a window of 10. */
	vpnha_hc_config_default(&c);
	c.window = 10;
	c.loss_threshold = 30;
	sim_init(&S, &c);
	S.fate = fate_alternate;
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_DEAD, 5000 * MS));
	EXPECT_EQ(S.h.cause, VPNHA_HC_CAUSE_LOSS);
	/* Evaluated once 10 probes entered the window: 5 of 10. */
	expect_reason(&S.h, "loss 50% >= threshold 30% over 10 probes");
	CU_ASSERT(S.h.cause_value >= 30 && S.h.cause_value <= 60);

	/* Average RTT 50 ms, threshold 40 ms. */
	vpnha_hc_config_default(&c);
	c.window = 10;
	c.latency_threshold_ms = 40;
	sim_init(&S, &c);
	S.rtt_ms = 50;
	CU_ASSERT(sim_run_to_verdict(&S, VPNHA_HC_DEAD, 5000 * MS));
	expect_reason(
		&S.h,
		"average rtt 50.000 ms >= threshold 40 ms over 10 probes");

	/* External check. */
	vpnha_hc_config_default(&c);
	sim_init(&S, &c);
	vpnha_health_external(&S.h, true, S.now);
	vpnha_health_external(&S.h, false, S.now);
	expect_reason(&S.h, "BFD session down");
}

/* --- Runner --- */

static const struct vpnha_cunit_test health_tests[] = {
	{"config defaults and names", test_config_default},
	{"init keeps/resets", test_init},
	{"optimistic start", test_optimistic_start},
	{"miss-count exact", test_miss_count},
	{"unknown to dead", test_unknown_to_dead},
	{"recovery and hold-down", test_recovery_hold_down},
	{"hold-down zero", test_hold_down_zero},
	{"flap damping exact + next_deadline", test_damping_exact},
	{"flap damping simulated", test_damping_sim},
	{"no-preempt", test_no_preempt},
	{"tick ordering", test_tick_order},
	{"out-of-order replies", test_out_of_order},
	{"sequence wrap", test_seq_wrap},
	{"late reply", test_late_reply},
	{"duplicate and unknown", test_duplicate_unknown},
	{"slot reuse while in flight", test_slot_reuse},
	{"loss threshold", test_loss_threshold},
	{"latency threshold", test_latency_threshold},
	{"window figures", test_figures},
	{"window buckets vs brute force", test_window_buckets},
	{"window change on a live tunnel", test_window_change},
	{"size bound", test_size},
	{"config: in-flight bound", test_config_check},
	{"5% scattered loss never dead", test_scattered_loss},
	{"external (BFD) liveness", test_external},
	{"reconfigure keeps the verdict", test_reconfigure},
	{"reason says why", test_reason},
	{"detection: adaptive vs timeout", test_detect_adaptive},
	{"detection: replies clear the suspicion", test_detect_clears},
	{"detection: RTT step", test_detect_rtt_step},
	{"detection: slow and jittery paths", test_detect_slow_jittery},
	{"detection: fast profiles", test_detect_fast_profiles},
	{"detection: reconfigure", test_detect_reconfigure},
	{"detection: type bfd never spins", test_detect_type_bfd},
};

static const struct vpnha_cunit_test probe_tests[] = {
	{"build", test_probe_build},
	{"round trip v4", test_probe_roundtrip_v4},
	{"round trip v6", test_probe_roundtrip_v6},
	{"parse errors", test_probe_parse_errors},
	{"validate", test_probe_validate},
	{"demux: identifier of a shared socket's datagram", test_probe_demux},
	{"pktinfo: arrival interface and address", test_probe_pktinfo},
	{"verify: this very probe", test_probe_verify},
	{"random", test_probe_random},
	{"replies read by the next wakeup", test_probe_rx_can_wait},
	{"engine overload", test_probe_overload},
	{"scheduler heap", test_sched},
	{"scheduler heap, random operations", test_sched_random},
};

static const struct vpnha_cunit_suite suites[] = {
	{.name = "health",
	 .tests = health_tests,
	 .n = array_size(health_tests)},
	{.name = "probe", .tests = probe_tests, .n = array_size(probe_tests)},
};

int main(void)
{
	return vpnha_cunit_run_suites(suites, array_size(suites));
}
