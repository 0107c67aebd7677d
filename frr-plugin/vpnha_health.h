// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad health checker: probe bookkeeping, sliding-window figures and
 * the health verdict of one tunnel (miss/recovery counts, failback
 * hold-down with flap damping, no-preempt, loss/latency thresholds).
 *
 * Pure logic on an injected monotonic clock (microseconds): no sockets,
 * no timers, no libfrr event loop, no allocation.  The I/O adapter sends
 * probes and feeds replies and the clock in; vpnha.c turns verdict
 * changes into tunnel state transitions.
 *
 * Semantics
 * ---------
 * Memory.  A checker has a fixed size whatever cfg.window (see
 * VPNHA_HC_SIZE_MAX): a small ring for the probes that can still be
 * answered, and the window figures in VPNHA_HC_BUCKETS buckets.
 *
 * Probes.  Every probe gets the next 16-bit sequence number (wrapping)
 * and the slot seq % VPNHA_HC_INFLIGHT of the probe ring, which so
 * holds the last VPNHA_HC_INFLIGHT probes sent since the last init (in
 * flight, answered or lost).  A reply is looked up in O(1) by its
 * sequence; a sequence not among those probes is UNKNOWN (so a reply
 * more than VPNHA_HC_INFLIGHT probes late is UNKNOWN, not LATE).  The
 * configuration must keep every probe that can be in flight in the
 * ring: timeout_ms <= VPNHA_HC_INFLIGHT x interval_ms
 * (vpnha_hc_config_check(); the northbound refuses other values).  If
 * more are in flight anyway (probes sent faster than the interval), the
 * oldest is counted lost when its slot is reused.
 *
 * Loss.  A probe is lost when timeout_ms has passed since it was sent
 * (now - sent >= timeout) without a reply; losses are processed in send
 * order.  A reply that arrives after that is LATE: counted in
 * stats.late, never a success, the probe stays lost in the window.
 *
 * Consecutive counts, in send order.  consec_miss counts consecutive
 * lost probes, consec_ok consecutive answered (REPLY_OK) probes; each
 * resets the other.  A probe's outcome is counted when every probe sent
 * before it is resolved (answered or lost): normally at once, but a
 * reply that overtakes an older probe still in flight is counted when
 * that one resolves.  So lost, lost, answered, lost, lost is two runs of
 * two, whatever the arrival order, and after an outage the good run
 * starts only once the outage's last probe has timed out (recovery takes
 * about timeout + recovery_count x interval + hold-down).
 *
 * Detection (failure from the absence of replies).  Waiting for the
 * timeout of the miss_count-th lost probe would cost about timeout +
 * (miss_count - 1) x interval (0.9 s with the defaults) although the
 * path's RTT is known to be much shorter.  So, as TCP does for its
 * retransmission timer (RFC 6298), the checker keeps a smoothed RTT
 * srtt and its mean deviation rttvar over every answered probe (late
 * replies included: they are how a slower path is learnt), and calls a
 * probe overdue when it has had no reply for the detection deadline
 *   D = srtt + max(4 x rttvar, VPNHA_HC_DETECT_SLACK_MS),
 * capped at timeout_ms; D = timeout_ms until the estimate has
 * VPNHA_HC_DETECT_SAMPLES (8) samples.  RFC 6298 trusts the first
 * sample; here a tunnel just started, with an RTT learnt from a few
 * sub-millisecond replies, failed over in the burst of thousands of
 * tunnels starting together (2995 of 5000 in bench/probe_scale.py with
 * the TUN peer: a silence of 139 ms).  So for its first 8 replies
 * (0.8 s with the defaults) a tunnel waits the full timeout for each
 * probe of the tail; the estimate is kept across DEAD and reconfigure.
 *  - The tail is the probes sent after the newest answered probe
 *    (tail_count of them).  A reply to a probe of the tail shortens it
 *    to the probes sent after that one; a reply to an older probe
 *    (reordered, or late) leaves it.  An answered probe, however late,
 *    proves the path works: the tail never counts it.
 *  - With cfg.detection TIMEOUT, or cfg.type other than ICMP (nobody
 *    sends the probes), none of this applies: no confirmation probes, no
 *    verdict from the tail; only the miss_count rule below.  The RTT
 *    estimate is still kept (show).
 *  - Accelerated confirmation: while ALIVE and the oldest probe of the
 *    tail is overdue, a probe is due at once and then every confirm
 *    interval C = interval_ms / 4 (at least 1 ms) after the last probe
 *    sent, until the tail holds miss_count probes (so at most
 *    miss_count - 1 extra probes per suspicion, on top of the regular
 *    schedule, which goes on unchanged): vpnha_health_confirm_at().
 *  - UNKNOWN/ALIVE -> DEAD (cause MISS) when the miss_count-th probe of
 *    the tail is overdue, at its send time + D: miss_count consecutive
 *    probes, none answered, the newest unanswered for D.  first_miss is
 *    the send time of the tail's first probe.
 *  So after a silent failure the verdict comes at most
 *    interval + 2 x D + (miss_count - 2) x C
 *  later (for miss_count >= 2; interval + D for 1): the failure just
 *  after a probe was answered, the next regular probe, overdue after D,
 *  miss_count - 2 confirmations C apart, the last one overdue after D.
 *  With the defaults on a path of a few ms RTT (D = 10 to 15 ms) that is
 *  under 200 ms, about 150 ms on average.  A silence shorter than D +
 *  (miss_count - 2) x C plus the RTT never fails over (about 85 ms with
 *  the defaults), and neither does random loss short of miss_count
 *  consecutive probes.  An RTT that steps up by more than about 2 x D +
 *  (miss_count - 2) x C within one interval cannot be told from a
 *  failure in that time: the tunnel fails over, its replies teach srtt
 *  the new RTT, and it fails back through recovery_count and the
 *  hold-down like after any failure.  A smaller step is learnt without
 *  a verdict.
 *
 * Verdicts.
 *  - UNKNOWN -> ALIVE on the first good reply, at once, in whatever
 *    order it arrives (optimistic start; no hold-down, no preempt).
 *  - UNKNOWN/ALIVE -> DEAD when the miss_count-th probe of the tail is
 *    overdue (Detection, above).
 *  - UNKNOWN/ALIVE -> DEAD when consec_miss reaches miss_count: exactly
 *    on the miss_count-th consecutive lost probe (timed out).  Normally
 *    the detection rule has decided long before; this rule remains for
 *    replies that come, but too late for the timeout.  first_miss is set
 *    to the send time of the first probe of that run of misses.
 *  - any -> DEAD (cause LOSS or LATENCY) when a threshold is crossed,
 *    see below.
 *  - DEAD -> RECOVERING when consec_ok reaches recovery_count (good
 *    replies counted since the DEAD verdict) and no threshold is
 *    crossed; hold_until = now + (hold_down_ms << damp_shift).  With an
 *    effective hold-down of 0 and preempt on, DEAD goes straight to
 *    ALIVE instead (with preempt off: RECOVERING until released).
 *  - RECOVERING -> DEAD on ANY lost probe (or a crossed threshold):
 *    the good run restarts after that probe, so one lucky ping never
 *    brings a flapping link back; the full recovery_count and hold-down
 *    start over.  Any transition to DEAD sets consec_ok to 0.
 *  - RECOVERING -> ALIVE (failback) once now >= hold_until, if preempt
 *    is on or vpnha_health_release() was called since RECOVERING began
 *    (no-preempt).  last_restore = that time.
 *  Recovery always applies recovery_count and the hold-down, also for a
 *  tunnel that went DEAD from UNKNOWN.
 *
 * Flap damping.  The damping period is 10 x the effective hold-down
 * used for the last failback (10 x (hold_down_ms << damp_shift)).  When
 * an ALIVE tunnel that came back through a failback goes DEAD within
 * that period of last_restore, damp_shift++ (up to
 * VPNHA_HC_DAMP_MAX_SHIFT), so the next hold-down doubles; when it goes
 * DEAD later than that, damp_shift = 0.  Once ALIVE has lasted the
 * damping period since last_restore, tick resets damp_shift to 0.  With
 * hold_down_ms 0 there is nothing to damp.  Failures from UNKNOWN or
 * RECOVERING do not change damp_shift.
 *
 * Window.  A probe enters the window when the send-order cursor passes
 * it (see Consecutive counts): answered or lost, never in flight, in
 * send order.  The window is made of nb buckets of bs probes each:
 *   bs = ceil(window / VPNHA_HC_BUCKETS), nb = ceil(window / bs),
 * so (nb - 1) x bs < window <= nb x bs.  Probe number n since the
 * window was emptied goes to bucket (n / bs) % nb; when a probe starts
 * a new bucket, the probes of the bucket it reuses (the oldest bs) all
 * leave the window at once.  So the window holds the probes of the
 * current bucket and of the nb - 1 buckets before it: once full,
 * between (nb - 1) x bs + 1 and nb x bs of the most recent probes, i.e.
 * more than window - bs and less than window + bs.  It is exactly the
 * last window probes when window <= VPNHA_HC_BUCKETS (bs = 1); window
 * 100 gives bs 7, nb 15: 99..105 probes; window 1000: bs 63, nb 16:
 * 946..1008.  The window is emptied by init and by a change of
 * cfg.window (vpnha_health_reconfigure()).
 *
 * Thresholds (both an explicit opt-in, 0 = off).  They are evaluated
 * only once window probes have entered the window since it was emptied
 * (a blind period of about window * interval + timeout after start or
 * a window change; miss_count covers hard failures meanwhile), each
 * time a probe enters it, over the probes then in the window:
 *  - loss: lost * 100 >= loss_threshold * probes (loss_pct is the
 *    same figure rounded down, so loss_pct >= loss_threshold);
 *  - latency: the average RTT of the answered probes of the window
 *    >= latency_threshold_ms (not evaluated with no answered probe;
 *    total loss is miss_count's job).
 * Crossing one sends any verdict to DEAD.  Recovery (DEAD ->
 * RECOVERING) needs every enabled figure back under its threshold AND
 * recovery_count consecutive good replies, whatever the cause of DEAD
 * (checked when the recovery_count-th good probe and each later one
 * enters the window).
 *
 * Ordering.  vpnha_health_reply() and vpnha_health_probe_sent() first
 * advance the clock like vpnha_health_tick(), so a reply with
 * now - sent >= timeout is LATE even if tick was not called in between.
 * Within one tick, expiries (losses, overdue tails, end of hold-down)
 * are processed in time order; on a tie the loss comes first, then the
 * overdue tail.  Each event uses its own time, not the time tick() was
 * called: a loss happens at sent + timeout, a verdict from the tail at
 * the deadline of its miss_count-th probe, a failback at hold_until (so
 * last_restore, hold_until and the damping comparison do not depend on
 * timer jitter).  So the adapter must read the replies waiting, with
 * their arrival times, before it advances the clock past them: a
 * stalled daemon must not take its own lateness for the path's.
 *
 * Every mutating call (probe_sent, reply, tick, release) may change the
 * verdict: compare h->verdict before and after.
 *
 * Figures.  Over the probes of the window (above): probes = answered +
 * lost (late replies count as lost), loss_pct rounded down, RTT
 * min/avg/max over the answered probes (avg rounded down), jitter =
 * mean absolute difference between the RTTs of consecutive answered
 * probes in send order (rounded down; 0 with fewer than two).  Exact
 * over the probes in the window; the window's extent is what is
 * approximate (bucket granularity).  A difference is kept with the
 * later probe of the pair, so the jitter may include one pair whose
 * earlier probe has just left the window.
 */
#ifndef _FRR_VPNHA_HEALTH_H
#define _FRR_VPNHA_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Configuration, mirrored from frr-vpnhad's health-check container. */
struct vpnha_hc_config {
	struct ipaddr source; /* IPADDR_NONE when unset */
	struct ipaddr destination;
	uint32_t interval_ms;	       /* 10..60000, default 100 */
	uint32_t timeout_ms;	       /* 10..60000, default 500 */
	uint8_t miss_count;	       /* 1..100, default 5 */
	uint16_t recovery_count;       /* 1..1000, default 10 */
	uint32_t hold_down_ms;	       /* 0..3600000, default 3000 */
	bool preempt;		       /* default true */
	uint8_t loss_threshold;	       /* percent, 0 = off */
	uint32_t latency_threshold_ms; /* 0 = off */
	uint16_t window;	       /* 10..1000, default 100 */
	uint8_t type;		       /* enum vpnha_hc_type, default ICMP */
	uint8_t detection; /* enum vpnha_hc_detection, default ADAPTIVE */
};

/* How a failure is detected (frr-vpnhad health-check/detection). */
enum vpnha_hc_detection {
	/* From the absence of replies against the RTT, with accelerated
	 * confirmation (see Detection). */
	VPNHA_HC_DETECT_ADAPTIVE = 0,
	/* Only from per-probe timeouts: miss_count consecutive probes
	 * lost (the classic IP SLA rule, no extra probes). */
	VPNHA_HC_DETECT_TIMEOUT = 1,
};

/* How liveness is checked (frr-vpnhad health-check/type). */
enum vpnha_hc_type {
	VPNHA_HC_TYPE_ICMP = 0, /* our ICMP echo probes */
	VPNHA_HC_TYPE_BFD = 1,	/* a BFD session run by FRR's bfdd */
};

#define VPNHA_HC_INTERVAL_DEFAULT 100
#define VPNHA_HC_TIMEOUT_DEFAULT 500
#define VPNHA_HC_MISS_DEFAULT 5
#define VPNHA_HC_RECOVERY_DEFAULT 10
#define VPNHA_HC_HOLD_DOWN_DEFAULT 3000
#define VPNHA_HC_WINDOW_DEFAULT 100
/* Detection deadline: srtt + max(4 x rttvar, this), see Detection. */
#define VPNHA_HC_DETECT_SLACK_MS 10
/* ... once the estimate has this many RTT samples (timeout_ms before). */
#define VPNHA_HC_DETECT_SAMPLES 8
/* Confirm interval: interval / this, at least 1 ms. */
#define VPNHA_HC_CONFIRM_DIV 4
#define VPNHA_HC_WINDOW_MIN 10
#define VPNHA_HC_WINDOW_MAX 1000
/* Probe ring: the last 16 probes (a power of two, at most 256). */
#define VPNHA_HC_INFLIGHT 16
/* Window buckets (at most 255 probes each: VPNHA_HC_WINDOW_MAX <= 255
 * x VPNHA_HC_BUCKETS). */
#define VPNHA_HC_BUCKETS 16
/* Flap damping: hold-down doubles per close failure, up to 16x. */
#define VPNHA_HC_DAMP_MAX_SHIFT 4
/* Damping period, in effective hold-downs. */
#define VPNHA_HC_DAMP_PERIODS 10

/* Fill in the defaults above (addresses unset, preempt on). */
void vpnha_hc_config_default(struct vpnha_hc_config *cfg);

enum vpnha_hc_verdict {
	VPNHA_HC_UNKNOWN = 0, /* no verdict yet */
	VPNHA_HC_ALIVE,	      /* healthy */
	VPNHA_HC_DEAD,	      /* miss-count reached / threshold crossed */
	VPNHA_HC_RECOVERING,  /* recovery-count reached, in hold-down */
};

/* Why the verdict is DEAD (the last transition to DEAD). */
enum vpnha_hc_cause {
	VPNHA_HC_CAUSE_NONE = 0,
	VPNHA_HC_CAUSE_MISS,	  /* miss_count consecutive losses */
	VPNHA_HC_CAUSE_LOSS,	  /* window loss >= loss_threshold */
	VPNHA_HC_CAUSE_LATENCY,	  /* window avg RTT >= latency_threshold */
	VPNHA_HC_CAUSE_HOLD_DOWN, /* a loss during the failback hold-down */
	VPNHA_HC_CAUSE_EXTERNAL,  /* external check (BFD) reported down */
	VPNHA_HC_CAUSE_SA,	  /* the IPsec daemon reported the SA gone */
	VPNHA_HC_CAUSE_INTERFACE, /* the tunnel interface went away or down */
};

/* Result of feeding one reply. */
enum vpnha_hc_reply {
	VPNHA_HC_REPLY_OK = 0,	  /* matched an in-flight probe */
	VPNHA_HC_REPLY_LATE,	  /* matched a probe already counted lost */
	VPNHA_HC_REPLY_UNKNOWN,	  /* no such sequence in flight/recently */
	VPNHA_HC_REPLY_DUPLICATE, /* probe already answered */
};

enum vpnha_hc_slot_status {
	VPNHA_HC_SLOT_EMPTY = 0,
	VPNHA_HC_SLOT_SENT,	/* in flight */
	VPNHA_HC_SLOT_RECEIVED, /* answered in time, rtt_us valid */
	VPNHA_HC_SLOT_LOST,	/* timed out */
	VPNHA_HC_SLOT_LATE,	/* timed out, then answered (still lost) */
};

struct vpnha_hc_slot {
	int64_t sent; /* monotonic us */
	/* Unpredictable value the probe carried (set by the core after
	 * vpnha_health_probe_sent()); a reply must echo it. */
	uint64_t nonce;
	uint32_t rtt_us; /* RECEIVED: until the probe enters the window */
	uint8_t status;	 /* enum vpnha_hc_slot_status */
};

/* The window figures of up to 255 consecutive probes. */
struct vpnha_hc_bucket {
	uint32_t rtt_sum; /* of the answered probes, us */
	uint32_t rtt_min, rtt_max;
	uint32_t jit_sum; /* |rtt - previous answered rtt|, us */
	uint8_t ok, lost, jit_n;
};

struct vpnha_health {
	struct vpnha_hc_config cfg;
	enum vpnha_hc_verdict verdict;
	enum vpnha_hc_cause cause; /* valid while DEAD */
	int64_t dead_at;	   /* when the verdict last became DEAD */
	/* At dead_at: MISS: consecutive misses; LOSS: loss percent;
	 * LATENCY: average RTT in us. */
	uint32_t cause_value;
	/* The most recent late reply: its probe's send time and RTT. */
	int64_t late_sent;
	uint32_t late_rtt_us;

	uint16_t next_seq;
	/* The last ring_count (<= VPNHA_HC_INFLIGHT) probes sent: probe
	 * seq in ring[seq % VPNHA_HC_INFLIGHT]. */
	struct vpnha_hc_slot ring[VPNHA_HC_INFLIGHT];
	uint16_t ring_count;
	uint16_t scan_seq; /* oldest probe possibly still in flight */

	/* Window (see Window above): bucket geometry, fill, totals. */
	struct vpnha_hc_bucket bucket[VPNHA_HC_BUCKETS];
	uint8_t win_bs;	       /* probes per bucket */
	uint8_t win_nb;	       /* buckets in use */
	uint8_t win_cur;       /* bucket of the most recent probe */
	uint8_t win_cur_n;     /* probes in it */
	bool win_prev_ok;      /* win_prev_rtt is valid (jitter) */
	uint32_t win_prev_rtt; /* last answered probe that entered */
	uint32_t win_entered;  /* probes entered, saturates at window */
	uint16_t win_ok;       /* answered probes in the window */
	uint16_t win_lost;     /* lost (and late) probes in the window */
	uint64_t win_rtt_sum;  /* sum of their RTTs, us */

	uint16_t consec_miss;
	uint16_t consec_ok;

	/* Detection (see Detection above); tail_count is further down. */
	uint32_t srtt_us;    /* smoothed RTT, 0 = no reply yet */
	uint32_t rttvar_us;  /* its mean deviation */
	uint8_t rtt_samples; /* saturates at VPNHA_HC_DETECT_SAMPLES */

	int64_t last_good;	 /* monotonic us of the last good reply */
	int64_t first_miss;	 /* send time of the first probe of the run of
				  * misses that led to DEAD */
	int64_t miss_run_start;	 /* send time of the first probe of the
				  * current run of misses */
	int64_t hold_until;	 /* RECOVERING: end of hold-down */
	int64_t last_restore;	 /* when RECOVERING last became ALIVE */
	unsigned int damp_shift; /* current hold-down multiplier 2^n */
	bool preempt_block; /* no-preempt: waiting for vpnha_health_release */
	/* Probes sent after the newest answered one (the tail; their send
	 * times are in the ring). */
	uint16_t tail_count;

	struct {
		uint64_t sent;
		uint64_t received;
		uint64_t lost;
		uint64_t late;
		uint64_t invalid; /* failed packet checks + UNKNOWN seqs */
		uint64_t duplicate;
	} stats;
};

/* What a struct vpnha_health may cost (tests/unit/test_health.c and
 * the per-tunnel budget in vpnha.h check it). */
#define VPNHA_HC_SIZE_MAX 1024

/* Figures over the window. */
struct vpnha_hc_figures {
	unsigned int probes; /* answered + lost in the window */
	uint8_t loss_pct;
	uint32_t rtt_min_us;
	uint32_t rtt_avg_us;
	uint32_t rtt_max_us;
	uint32_t jitter_us; /* mean absolute difference of consecutive RTTs */
};

/*
 * Can the probe ring hold every probe in flight with cfg?  timeout_ms
 * <= VPNHA_HC_INFLIGHT x interval_ms.  0, or -1 with "health-check
 * timeout T ms needs more than 16 probes in flight at interval I ms:
 * allowed up to 16 x interval (N ms)" in err.
 */
int vpnha_hc_config_check(const struct vpnha_hc_config *cfg, char *err,
			  size_t errlen);

/*
 * Reset the checker with a configuration: verdict UNKNOWN, ring empty,
 * damping and consecutive counts cleared, counters kept unless
 * reset_stats.  next_seq is kept, so replies to probes sent before the
 * reset are UNKNOWN rather than matched.  h must be zeroed before its
 * first init (or pass reset_stats).  cfg->window must be within
 * VPNHA_HC_WINDOW_MIN..VPNHA_HC_WINDOW_MAX (asserted).
 */
void vpnha_health_init(struct vpnha_health *h,
		       const struct vpnha_hc_config *cfg, bool reset_stats);

/*
 * Change the configuration of a running checker, keeping the probes:
 * those in flight, the consecutive counts, damping, and the window (it
 * is emptied only when cfg.window changes).  The verdict stays until
 * the probes decide.  ALIVE stays ALIVE (a
 * parameter change must not flap a healthy tunnel); DEAD stays DEAD with
 * its cause and failure times (a change never makes a dead tunnel
 * usable); RECOVERING keeps its hold-down (the no-preempt block only if
 * preempt is still off).
 */
void vpnha_health_reconfigure(struct vpnha_health *h,
			      const struct vpnha_hc_config *cfg);

/*
 * The slot of probe seq if it is one of the last VPNHA_HC_INFLIGHT
 * probes sent since init, else NULL.
 */
struct vpnha_hc_slot *vpnha_health_slot_find(struct vpnha_health *h,
					     uint16_t seq);

/*
 * A probe is about to be sent at now.
 *
 * Returns:
 *    The sequence number to put in it.
 */
uint16_t vpnha_health_probe_sent(struct vpnha_health *h, int64_t now);

/*
 * A reply passed the packet checks (id, cookie, source, interface) and
 * carries sequence seq.  The RTT is now minus the slot's send time.
 *
 * Returns:
 *    What it matched; the verdict may have changed (compare before/after).
 *    UNKNOWN replies are counted in stats.invalid.
 */
enum vpnha_hc_reply vpnha_health_reply(struct vpnha_health *h, uint16_t seq,
				       int64_t now);

/* A reply failed the packet checks: count it, nothing else. */
void vpnha_health_invalid(struct vpnha_health *h);

/*
 * Advance the clock: probes older than timeout count as lost, a
 * hold-down that has run out ends, damping decays.  Call at least on
 * every probe tick, and at vpnha_health_next_deadline(); cheap
 * (amortised O(1): it only looks at probes that expire).
 */
void vpnha_health_tick(struct vpnha_health *h, int64_t now);

/*
 * No-preempt release: a RECOVERING checker blocked by preempt=false may
 * become ALIVE (another tunnel failed, or an operator cleared it).  The
 * hold-down still applies: ALIVE now if it has run out, else at
 * hold_until.  Only affects the current RECOVERING period; no-op in
 * other verdicts.
 */
void vpnha_health_release(struct vpnha_health *h, int64_t now);

/*
 * An external liveness check (BFD) changed state at now.  Down makes the
 * verdict DEAD at once (cause EXTERNAL; last_good and first_miss are unknown,
 * so no detection time is reported); up counts as a completed recovery: UNKNOWN
 * -> ALIVE, DEAD -> RECOVERING with the (damped) hold-down and the no-preempt
 * rule, exactly as for probes.
 */
void vpnha_health_external(struct vpnha_health *h, bool up, int64_t now);

/*
 * The earliest time vpnha_health_tick has something to do (the oldest
 * in-flight probe times out, the hold-down ends unless blocked by
 * no-preempt, damping decays); 0 if none.
 */
/*
 * Declare the tunnel dead now, for cause (VPNHA_HC_CAUSE_SA: its IPsec
 * SA is gone; VPNHA_HC_CAUSE_INTERFACE: its interface went away or
 * down, so no probe proves anything meanwhile): recovery then takes
 * recovery-count good probes and the hold-down, as after misses.
 */
void vpnha_health_force_dead(struct vpnha_health *h, int64_t now,
			     enum vpnha_hc_cause cause);

int64_t vpnha_health_next_deadline(const struct vpnha_health *h);

/* The detection deadline D in us (see Detection). */
int64_t vpnha_health_detect_us(const struct vpnha_health *h);

/*
 * When a confirmation probe is due (accelerated confirmation, see
 * Detection), 0 if none: call vpnha_health_probe_sent() then, on top of
 * the regular schedule.  Included in vpnha_health_next_deadline().
 */
int64_t vpnha_health_confirm_at(const struct vpnha_health *h);

/*
 * The longest a silent failure can take to become DEAD with the current
 * RTT estimate: interval + 2 D + (miss_count - 2) C (interval + D with
 * miss_count 1), in us.
 */
int64_t vpnha_health_detect_bound_us(const struct vpnha_health *h);

/* Window figures (O(VPNHA_HC_BUCKETS)). */
void vpnha_health_figures(const struct vpnha_health *h,
			  struct vpnha_hc_figures *f);

/*
 * Why the verdict is what it is, for show and the transition log:
 * "5 consecutive misses, last reply 512 ms before", "5 consecutive
 * misses: replies late, rtt 300 ms > timeout 200 ms", "loss 40% >=
 * threshold 30% over 100 probes", ...  Empty unless DEAD.
 */
void vpnha_health_reason(const struct vpnha_health *h, char *buf, size_t len);

/* Effective hold-down in ms: hold_down_ms << damp_shift. */
uint64_t vpnha_health_hold_down_ms(const struct vpnha_health *h);

const char *vpnha_hc_verdict_name(enum vpnha_hc_verdict v);
const char *vpnha_hc_cause_name(enum vpnha_hc_cause c);
const char *vpnha_hc_reply_name(enum vpnha_hc_reply r);

#ifdef __cplusplus
}
#endif

#endif /* _FRR_VPNHA_HEALTH_H */
