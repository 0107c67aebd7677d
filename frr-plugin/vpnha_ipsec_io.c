// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad IPsec adapter (see vpnha_ipsec_io.h).
 *
 * libreswan: per tunnel, DIR/<conn>.conf and DIR/<conn>.secrets (0600),
 * each starting with VPNHA_FILE_MARK; a file without the mark is never
 * overwritten or removed.  pluto is driven with whack and addconn run
 * one at a time as child processes, and polled for SA state.
 *
 * strongSwan: connections and keys go over VICI (load-shared,
 * load-conn, initiate, terminate, unload-*); nothing on disk.  SA state
 * comes from VICI events and a list-sas dump on every (re)connect,
 * after which every connection is loaded again (charon may have
 * restarted and forgotten them).
 *
 * Either way a tunnel whose SA is gone is re-initiated after 1 s,
 * backing off to 30 s, and an unreachable IPsec daemon leaves the SA
 * state unknown: routing then follows the probes alone.
 */
#include <zebra.h>

#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/privs.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_ipsec_io.h"
#include "vpnha_vici.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_IPSEC_IO, "VPN HA IPsec adapter state");

#define INIT_BACKOFF_MIN_MS 1000
#define INIT_BACKOFF_MAX_MS 30000
#define JOB_TIMEOUT_MS 10000
#define JOB_OUTPUT_MAX 65536
/* strongSwan: a full SA dump this often (byte counters, missed events). */
#define SS_DUMP_MS 5000
#define VREF_LINGER_MS 3000

/* A VICI connection shared by the tunnels that use its socket. */
struct vref {
	struct vref *next;
	char path[VPNHA_IPSEC_PATH_MAX + 1];
	struct vpnha_vici *vc;
	unsigned int refs;
	vpnha_event_t *t_dump, *t_free;
};

/* Adapter state of one managed tunnel (t->ipsec_io). */
struct itun {
	struct vpnha_tunnel *t;
	enum vpnha_ipsec_backend backend;
	char conn[VPNHA_CONN_MAX + 1];		 /* "" until generated */
	char file[2][VPNHA_IPSEC_PATH_MAX + 80]; /* libreswan conf, secrets */
	struct vpnha_text applied;		 /* what is loaded */
	char psk[VPNHA_PSK_OBSCURED_MAX + 1];	 /* its key, obscured */
	bool loaded;
	struct vref *vr; /* strongSwan */
	vpnha_event_t *t_init;
	uint32_t backoff_ms;
	uint32_t child_id; /* libreswan serial / strongSwan SPI: rekeys */
	bool seen;	   /* in the current SA dump */
	bool file_error;   /* libreswan: files could not be written */
	bool load_failed;  /* libreswan: addconn refused the conn */
	uint32_t if_id;	   /* of the loaded connection */
};

static struct vref *vrefs;

extern struct zebra_privs_t vpnha_privs;

/* Helpers ---------------------------------------------------------------- */

static struct itun *itun_of(const struct vpnha_tunnel *t)
{
	return t->ipsec_io;
}

static void ipsec_status(bool connected, const char *fmt, ...) PRINTFRR(2, 3);

/*
 * The backend's reachability (libreswan: the last poll; strongSwan: every
 * VICI socket in use) and its last error, kept until the next one.
 */
static void ipsec_status(bool connected, const char *fmt, ...)
{
	char buf[sizeof(vpnha->ipsec_status.error)] = "";
	const char *backend = vpnha_ipsec_backend_name(vpnha->ipsec.backend);
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintfrr(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		if (strcmp(buf, vpnha->ipsec_status.error) != 0)
			zlog_warn("IPsec (%s): %s", backend, buf);
		strlcpy(vpnha->ipsec_status.error, buf,
			sizeof(vpnha->ipsec_status.error));
	}
	if (connected != vpnha->ipsec_status.connected)
		zlog_info("IPsec (%s): %s", backend,
			  connected ? "reachable" : "not reachable");
	vpnha->ipsec_status.connected = connected;
}

/* The first line of a command's output, for messages. */
static void first_line(char *dst, size_t len, const char *out)
{
	size_t n = strcspn(out, "\n");

	strlcpy(dst, out, MIN(len, n + 1));
}

static void sa_set(struct itun *it, enum vpnha_sa_state state, const char *fmt,
		   ...) PRINTFRR(3, 4);

static void itun_init_schedule(struct itun *it);

static void sa_set(struct itun *it, enum vpnha_sa_state state, const char *fmt,
		   ...)
{
	char detail[sizeof(it->t->sa.detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintfrr(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* Up again: the next loss is re-initiated at once, not when a
	 * retry timer of the previous one fires. */
	if (state == VPNHA_SA_UP) {
		it->backoff_ms = 0;
		VPNHA_EVENT_OFF(it->t_init);
	}
	vpnha_tunnel_sa_update(vpnha, it->t, state, detail);
	if (state == VPNHA_SA_DOWN && it->loaded)
		itun_init_schedule(it);
}

/* libreswan: child processes, one at a time ----------------------------- */

struct job {
	struct job *next;
	char *argv[12];
	char tunnel[VPNHA_NAME_MAX + 1]; /* "" for global jobs */
	void (*done)(struct job *job, int status, const char *out);
};

static struct {
	struct job *head, *tail;
	pid_t pid;
	int fd;
	vpnha_event_t *t_read, *t_timeout;
	struct vpnha_text out;
} run = {.pid = -1, .fd = -1};

static void job_start(void);

static void job_free(struct job *job)
{
	for (int i = 0; job->argv[i]; i++)
		XFREE(MTYPE_VPNHA_IPSEC_IO, job->argv[i]);
	XFREE(MTYPE_VPNHA_IPSEC_IO, job);
}

static void job_finish(int status)
{
	struct job *job = run.head;

	VPNHA_EVENT_OFF(run.t_read);
	VPNHA_EVENT_OFF(run.t_timeout);
	close(run.fd);
	run.fd = -1;
	run.pid = -1;
	run.head = job->next;
	if (!run.head)
		run.tail = NULL;
	job->done(job, status, run.out.buf ? run.out.buf : "");
	job_free(job);
	run.out.len = 0;
	if (run.out.buf)
		run.out.buf[0] = '\0';
	job_start();
}

static void job_read(vpnha_event_t *e)
{
	char buf[4096];
	ssize_t n = read(run.fd, buf, sizeof(buf));
	int status;

	if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN))) {
		if (n > 0 && run.out.len < JOB_OUTPUT_MAX)
			vpnha_text_printf(&run.out, "%.*s", (int)n, buf);
		vpnha_add_read(master, job_read, NULL, run.fd, &run.t_read);
		return;
	}
	/* EOF: the child is exiting. */
	while (waitpid(run.pid, &status, 0) < 0 && errno == EINTR)
		;
	job_finish(WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

static void job_timeout(vpnha_event_t *e)
{
	int status;

	zlog_warn("IPsec: %s did not finish in %d ms, killed",
		  run.head->argv[0], JOB_TIMEOUT_MS);
	kill(run.pid, SIGKILL);
	while (waitpid(run.pid, &status, 0) < 0 && errno == EINTR)
		;
	job_finish(124);
}

static void job_start(void)
{
	struct job *job = run.head;
	char path[VPNHA_IPSEC_PATH_MAX + 16];
	int pfd[2];

	if (!job || run.pid >= 0)
		return;
	/* The libexec directory as configured when the job runs. */
	snprintf(path, sizeof(path), "%s/%s", vpnha->ipsec.ls_libexec,
		 job->argv[0]);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		job->done(job, 127, "pipe failed");
		goto next;
	}
	run.pid = fork();
	if (run.pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		job->done(job, 127, "fork failed");
		goto next;
	}
	if (run.pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execv(path, job->argv);
		dprintf(2, "cannot run %s: %s\n", path, safe_strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	run.fd = pfd[0];
	vpnha_add_read(master, job_read, NULL, run.fd, &run.t_read);
	vpnha_add_timer_msec(master, job_timeout, NULL, JOB_TIMEOUT_MS,
			     &run.t_timeout);
	return;
next:
	run.head = job->next;
	if (!run.head)
		run.tail = NULL;
	job_free(job);
	job_start();
}

/* Queue libexec/<prog> args... (NULL-terminated). */
static void job_queue(const char *tunnel,
		      void (*done)(struct job *, int, const char *),
		      const char *prog, ...)
{
	struct job *job = XCALLOC(MTYPE_VPNHA_IPSEC_IO, sizeof(*job));
	const char *arg;
	va_list ap;
	int n = 0;

	job->argv[n++] = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, prog);
	job->argv[n++] = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, "--ctlsocket");
	job->argv[n++] = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, vpnha->ipsec.ls_ctl);
	va_start(ap, prog);
	while ((arg = va_arg(ap, const char *)) && n < 11)
		job->argv[n++] = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, arg);
	va_end(ap);
	strlcpy(job->tunnel, tunnel ? tunnel : "", sizeof(job->tunnel));
	job->done = done;
	if (run.tail)
		run.tail->next = job;
	else
		run.head = job;
	run.tail = job;
	job_start();
}

/* The tunnel a job was for, if it is still managed by libreswan. */
static struct itun *job_itun(const struct job *job)
{
	struct vpnha_tunnel *t = vpnha_tunnel_find(vpnha, job->tunnel);
	struct itun *it = t ? itun_of(t) : NULL;

	return it && it->backend == VPNHA_IPSEC_LIBRESWAN ? it : NULL;
}

static void job_ignore(struct job *job, int status, const char *out)
{
}

static void job_logged(struct job *job, int status, const char *out)
{
	char line[160];

	if (status == 0)
		return;
	first_line(line, sizeof(line), out);
	zlog_warn("IPsec: %s failed (%d): %s", job->argv[0], status, line);
}

/* libreswan: files ------------------------------------------------------- */

/* Does the file exist without vpnhad's mark (i.e. someone else's)? */
static bool file_foreign(const char *path)
{
	char head[sizeof(VPNHA_FILE_MARK)] = "";
	FILE *f = fopen(path, "r");
	bool foreign;

	if (!f)
		return false;
	foreign = !fgets(head, sizeof(head), f) ||
		  strncmp(head, VPNHA_FILE_MARK, strlen(VPNHA_FILE_MARK)) != 0;
	fclose(f);
	return foreign;
}

/* Write atomically (temporary file + rename), mode 0600. */
static int file_write(const char *path, const struct vpnha_text *text,
		      char *err, size_t errlen)
{
	char tmp[VPNHA_IPSEC_PATH_MAX + 96];
	int fd;
	ssize_t n;

	if (file_foreign(path)) {
		snprintfrr(err, errlen,
			   "refusing to overwrite %s: not created by vpnhad",
			   path);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.vpnhad-tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintfrr(err, errlen, "cannot write %s: %s", tmp,
			   safe_strerror(errno));
		return -1;
	}
	n = write(fd, text->buf, text->len);
	if (n != (ssize_t)text->len || fsync(fd) < 0 || close(fd) < 0) {
		snprintfrr(err, errlen, "cannot write %s: %s", tmp,
			   safe_strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintfrr(err, errlen, "cannot rename %s: %s", tmp,
			   safe_strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void file_remove(const char *path)
{
	if (!path[0] || access(path, F_OK) < 0)
		return;
	if (file_foreign(path)) {
		zlog_warn("IPsec: not removing %s: not created by vpnhad",
			  path);
		return;
	}
	if (unlink(path) < 0)
		zlog_warn("IPsec: cannot remove %s: %s", path,
			  safe_strerror(errno));
}

/* libreswan: control ----------------------------------------------------- */

static void ls_added(struct job *job, int status, const char *out)
{
	struct itun *it = job_itun(job);
	char line[96];

	if (!it)
		return;
	if (status != 0) {
		first_line(line, sizeof(line), out);
		it->loaded = false;
		/*
		 * Not retried until the configuration changes or pluto
		 * comes back: the same file would fail the same way.
		 */
		it->load_failed = vpnha->ipsec_status.connected;
		zlog_warn("tunnel %s: addconn %s failed (exit %d): %s",
			  it->t->name, it->file[0], status,
			  line[0] ? line : "see pluto's log");
		sa_set(it, VPNHA_SA_UNKNOWN, "addconn failed (exit %d): %s",
		       status, line[0] ? line : "see pluto's log");
		return;
	}
	it->load_failed = false;
	it->loaded = true;
	zlog_info("tunnel %s: libreswan conn %s loaded", it->t->name, it->conn);
}

static void ls_initiated(struct job *job, int status, const char *out)
{
	struct itun *it = job_itun(job);
	char line[96];

	if (!it || status == 0)
		return;
	first_line(line, sizeof(line), out);
	zlog_warn("tunnel %s: initiating %s failed: %s", it->t->name, it->conn,
		  line);
	/* pluto restarted without our conn: load it again. */
	if (strstr(out, "no connection"))
		it->loaded = false;
}

static void ls_remove(struct itun *it)
{
	if (!it->conn[0])
		return;
	job_queue(NULL, job_ignore, "whack", "--name", it->conn, "--delete",
		  NULL);
	file_remove(it->file[0]);
	file_remove(it->file[1]);
	job_queue(NULL, job_ignore, "whack", "--rereadsecrets", NULL);
	it->loaded = false;
}

static void ls_initiate(struct itun *it)
{
	job_queue(it->t->name, ls_initiated, "whack", "--name", it->conn,
		  "--initiate", "--asynchronous", NULL);
}

/* The file holds exactly this text (which may be a key: cleared). */
static bool file_same(const char *path, const struct vpnha_text *text)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;
	bool same;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	same = n == text->len && memcmp(buf, text->buf, n) == 0;
	explicit_bzero(buf, sizeof(buf));
	return same;
}

static bool itun_same(const struct itun *it, const struct vpnha_text *text,
		      const struct vpnha_ipsec_params *p)
{
	return it->applied.buf && strcmp(it->applied.buf, text->buf) == 0 &&
	       strcmp(it->psk, p->conf->psk) == 0;
}

static void itun_applied(struct itun *it, struct vpnha_text *text,
			 const struct vpnha_ipsec_params *p)
{
	vpnha_text_free(&it->applied);
	it->applied = *text;
	memset(text, 0, sizeof(*text));
	strlcpy(it->psk, p->conf->psk, sizeof(it->psk));
}

static void ls_apply(struct itun *it, const struct vpnha_ipsec_params *p)
{
	struct vpnha_text conn = {}, secrets = {};
	char err[256];
	bool adopt;

	vpnha_libreswan_conn(&conn, p);
	if ((it->loaded || it->load_failed) && itun_same(it, &conn, p)) {
		vpnha_text_free(&conn);
		return;
	}
	it->load_failed = false;
	snprintf(it->file[0], sizeof(it->file[0]), "%s/%s.conf",
		 vpnha->ipsec.ls_dir, p->conn);
	snprintf(it->file[1], sizeof(it->file[1]), "%s/%s.secrets",
		 vpnha->ipsec.ls_dir, p->conn);
	if (vpnha_libreswan_secrets(&secrets, p) < 0) {
		vpnha_text_free(&conn);
		sa_set(it, VPNHA_SA_UNKNOWN, "pre-shared-key unusable");
		return;
	}
	/*
	 * vpnhad restarted and finds its own files unchanged: pluto most
	 * likely has the conn up, leave it (a restart must not cut
	 * traffic).  If pluto does not know it, initiating says so and
	 * the conn is loaded then.
	 */
	adopt = !it->applied.buf && file_same(it->file[0], &conn) &&
		file_same(it->file[1], &secrets);
	if (!adopt &&
	    (file_write(it->file[1], &secrets, err, sizeof(err)) < 0 ||
	     file_write(it->file[0], &conn, err, sizeof(err)) < 0)) {
		vpnha_text_free(&conn);
		vpnha_text_free(&secrets);
		it->loaded = false;
		if (!it->file_error || strcmp(it->t->sa.detail, err) != 0)
			zlog_warn("tunnel %s: %s", it->t->name, err);
		it->file_error = true;
		sa_set(it, VPNHA_SA_UNKNOWN, "%s", err);
		return;
	}
	it->file_error = false;
	vpnha_text_free(&secrets);
	itun_applied(it, &conn, p);
	it->loaded = true; /* ls_added says otherwise on failure */
	if (adopt) {
		zlog_info("tunnel %s: libreswan conn %s unchanged, kept",
			  it->t->name, p->conn);
		return;
	}
	/* Replace only this conn: delete (its SAs too), add, bring up. */
	job_queue(NULL, job_logged, "whack", "--rereadsecrets", NULL);
	job_queue(NULL, job_ignore, "whack", "--name", p->conn, "--delete",
		  NULL);
	job_queue(it->t->name, ls_added, "addconn", "--config", it->file[0],
		  p->conn, NULL);
	it->t->sa.initiations++;
	ls_initiate(it);
	sa_set(it, VPNHA_SA_CONNECTING, "initiated by vpnhad");
}

/*
 * Poll: trafficstatus, then showstates, then parse for every tunnel.
 * Every poll_ms, and at once when the kernel reports an SA deleted or
 * expired (XFRM netlink): pluto has no event interface, the kernel has.
 */
static vpnha_event_t *t_poll, *t_xfrm;
static char *poll_traffic;
static bool poll_running, poll_again;
static int xfrm_fd = -1;

static void ls_poll(vpnha_event_t *e);
static void ls_xfrm_open(void);

static void ls_poll_schedule(void)
{
	ls_xfrm_open();
	vpnha_add_timer_msec(master, ls_poll, NULL,
			     poll_again ? 0 : vpnha->ipsec.poll_ms, &t_poll);
	poll_again = false;
}

/* Poll now (or right after the running one). */
static void ls_poll_kick(void)
{
	if (poll_running) {
		poll_again = true;
		return;
	}
	VPNHA_EVENT_OFF(t_poll);
	vpnha_add_timer_msec(master, ls_poll, NULL, 0, &t_poll);
}

static void ls_xfrm_read(vpnha_event_t *e)
{
	union {
		struct nlmsghdr h;
		char buf[8192];
	} u;
	bool sa_event = false;
	ssize_t n;

	while ((n = recv(xfrm_fd, &u, sizeof(u), 0)) > 0) {
		struct nlmsghdr *h = &u.h;
		unsigned int len = n;

		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == XFRM_MSG_DELSA ||
			    h->nlmsg_type == XFRM_MSG_EXPIRE ||
			    h->nlmsg_type == XFRM_MSG_NEWSA)
				sa_event = true;
	}
	if (n < 0 && errno == ENOBUFS)
		sa_event = true; /* overrun: something happened */
	if (sa_event)
		ls_poll_kick();
	vpnha_add_read(master, ls_xfrm_read, NULL, xfrm_fd, &t_xfrm);
}

/* Best effort: without it (no XFRM in the kernel) the poll still runs. */
static void ls_xfrm_open(void)
{
	struct sockaddr_nl snl = {
		.nl_family = AF_NETLINK,
		.nl_groups = XFRMGRP_SA | XFRMGRP_EXPIRE,
	};
	int fd;

	if (xfrm_fd >= 0)
		return;
	frr_with_privs (&vpnha_privs) {
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    NETLINK_XFRM);
		if (fd >= 0 &&
		    bind(fd, (struct sockaddr *)&snl, sizeof(snl)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		zlog_info(
			"IPsec: no XFRM netlink events (%s): SA state is polled only",
			safe_strerror(errno));
		return;
	}
	xfrm_fd = fd;
	vpnha_add_read(master, ls_xfrm_read, NULL, xfrm_fd, &t_xfrm);
}

static void ls_polled(struct job *job, int status, const char *out)
{
	struct vpnha_tunnel *t;
	bool was = vpnha->ipsec_status.connected;
	char line[120];

	if (status != 0) {
		first_line(line, sizeof(line), out);
		ipsec_status(false, "pluto not reachable (%s): %s",
			     vpnha->ipsec.ls_ctl, line);
	} else
		ipsec_status(true, NULL);

	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);
		struct vpnha_ls_sa sa;

		if (!it || it->backend != VPNHA_IPSEC_LIBRESWAN || !it->conn[0])
			continue;
		/* Retry writing; a file error stays in show until it is fixed.
		 */
		if (it->file_error) {
			vpnha_tunnel_set_ipsec(vpnha, t, t->ipsec);
			if (it->file_error || status != 0)
				continue;
		}
		if (status != 0) {
			sa_set(it, VPNHA_SA_UNKNOWN, "pluto not reachable");
			/* Load everything again once pluto is back. */
			it->loaded = false;
			continue;
		}
		if (!it->loaded) {
			/* pluto is back (it may have restarted): load again. */
			if (!was)
				it->load_failed = false;
			if (!it->load_failed)
				vpnha_tunnel_set_ipsec(vpnha, t, t->ipsec);
			continue;
		}
		vpnha_ls_parse(it->conn, poll_traffic, out, &sa);
		t->sa.bytes_in = sa.bytes_in;
		t->sa.bytes_out = sa.bytes_out;
		if (sa.state == VPNHA_SA_UP && it->child_id &&
		    sa.child_serial != it->child_id)
			t->sa.rekeys++;
		if (sa.state == VPNHA_SA_UP)
			it->child_id = sa.child_serial;
		sa_set(it, sa.state, "%s", sa.detail);
	}
	if (!was && status == 0)
		zlog_info("IPsec: pluto reachable at %s", vpnha->ipsec.ls_ctl);
	XFREE(MTYPE_VPNHA_IPSEC_IO, poll_traffic);
	poll_running = false;
	ls_poll_schedule();
}

static void ls_polled_traffic(struct job *job, int status, const char *out)
{
	XFREE(MTYPE_VPNHA_IPSEC_IO, poll_traffic);
	poll_traffic = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, status == 0 ? out : "");
	if (status != 0) {
		ls_polled(job, status, out);
		return;
	}
	job_queue(NULL, ls_polled, "whack", "--showstates", NULL);
}

static bool ls_any(void)
{
	struct vpnha_tunnel *t;

	vpnha_each_tunnel (vpnha, t)
		if (itun_of(t) && itun_of(t)->backend == VPNHA_IPSEC_LIBRESWAN)
			return true;
	return false;
}

static void ls_poll(vpnha_event_t *e)
{
	if (!ls_any())
		return;
	poll_running = true;
	job_queue(NULL, ls_polled_traffic, "whack", "--trafficstatus", NULL);
}

/* strongSwan ------------------------------------------------------------- */

static void ss_connected(struct vpnha_vici *vc, void *arg);
static void ss_disconnected(struct vpnha_vici *vc, void *arg, const char *why);
static void ss_sa_event(struct vpnha_vici *vc, void *arg,
			const struct vpnha_vici_sa *sa, bool updown);

static const struct vpnha_vici_ops ss_ops = {
	.connected = ss_connected,
	.disconnected = ss_disconnected,
	.sa_event = ss_sa_event,
};

static void ss_dump_timer(vpnha_event_t *e);

static struct vref *vref_get(const char *path)
{
	struct vref *vr;

	for (vr = vrefs; vr; vr = vr->next)
		if (strcmp(vr->path, path) == 0) {
			vr->refs++;
			VPNHA_EVENT_OFF(vr->t_free);
			return vr;
		}
	vr = XCALLOC(MTYPE_VPNHA_IPSEC_IO, sizeof(*vr));
	strlcpy(vr->path, path, sizeof(vr->path));
	vr->refs = 1;
	vr->next = vrefs;
	vrefs = vr;
	vr->vc = vpnha_vici_new(path, &ss_ops, vr);
	vpnha_add_timer_msec(master, ss_dump_timer, vr, SS_DUMP_MS,
			     &vr->t_dump);
	return vr;
}

static void vref_destroy(struct vref *vr)
{
	struct vref **pp;

	for (pp = &vrefs; *pp != vr; pp = &(*pp)->next)
		;
	*pp = vr->next;
	VPNHA_EVENT_OFF(vr->t_dump);
	VPNHA_EVENT_OFF(vr->t_free);
	vpnha_vici_free(vr->vc);
	XFREE(MTYPE_VPNHA_IPSEC_IO, vr);
}

static void vref_free(vpnha_event_t *e)
{
	vref_destroy(VPNHA_EVENT_ARG(e));
}

/* The last user gone: close later, so queued requests (unload,
 * terminate) still reach charon. */
static bool ss_all_connected(void);

static void vref_put(struct vref *vr)
{
	if (--vr->refs)
		return;
	/* An error about a socket no longer used is no longer news. */
	if (strstr(vpnha->ipsec_status.error, vr->path))
		vpnha->ipsec_status.error[0] = '\0';
	vpnha->ipsec_status.connected = ss_all_connected();
	VPNHA_EVENT_OFF(vr->t_dump);
	vpnha_add_timer_msec(master, vref_free, vr, VREF_LINGER_MS,
			     &vr->t_free);
}

static bool ss_begin(struct vpnha_vici_buf *b, const char *cmd)
{
	memset(b, 0, sizeof(*b));
	return vpnha_vici_begin(b, VPNHA_VICI_CMD_REQUEST, cmd) == 0;
}

static void ss_result(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len)
{
	const char *what = arg;

	if (!ok && msg)
		zlog_warn("IPsec (strongswan): %s failed: %s", what, errmsg);
}

/* charon's answer to an initiate: a refusal is a down SA (retried). */
static void ss_initiated(void *arg, bool ok, const char *errmsg,
			 const uint8_t *msg, size_t len)
{
	char *tunnel = arg;
	struct vpnha_tunnel *t = vpnha_tunnel_find(vpnha, tunnel);
	struct itun *it = t ? itun_of(t) : NULL;

	if (!ok && msg && it && t->sa.state == VPNHA_SA_CONNECTING) {
		zlog_warn("tunnel %s: charon: %s", t->name, errmsg);
		sa_set(it, VPNHA_SA_DOWN, "initiate failed: %s", errmsg);
	}
	XFREE(MTYPE_VPNHA_IPSEC_IO, tunnel);
}

static void ss_initiate(struct itun *it)
{
	struct vpnha_vici_buf b;
	char *tunnel;

	if (!ss_begin(&b, "initiate"))
		return;
	vpnha_vici_kv(&b, "child", it->conn);
	vpnha_vici_kv(&b, "ike", it->conn);
	vpnha_vici_kv(&b, "timeout", "-1"); /* do not wait */
	tunnel = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, it->t->name);
	if (vpnha_vici_request(it->vr->vc, &b, ss_initiated, tunnel) < 0)
		XFREE(MTYPE_VPNHA_IPSEC_IO, tunnel);
	vpnha_vici_buf_free(&b);
}

/* Close the connection's IKE SA (and its Child SAs), without waiting. */
static void ss_terminate(struct itun *it)
{
	struct vpnha_vici_buf b;

	if (ss_begin(&b, "terminate")) {
		vpnha_vici_kv(&b, "ike", it->conn);
		vpnha_vici_kv(&b, "force", "yes");
		vpnha_vici_kv(&b, "timeout", "-1");
		vpnha_vici_request(it->vr->vc, &b, NULL, NULL);
	}
	vpnha_vici_buf_free(&b);
}

static void ss_remove(struct itun *it)
{
	struct vpnha_vici_buf b;

	if (!it->vr)
		return;
	if (it->conn[0] && vpnha_vici_connected(it->vr->vc)) {
		ss_terminate(it);
		if (ss_begin(&b, "unload-conn")) {
			vpnha_vici_kv(&b, "name", it->conn);
			vpnha_vici_request(it->vr->vc, &b, ss_result,
					   (void *)"unload-conn");
		}
		vpnha_vici_buf_free(&b);
		if (ss_begin(&b, "unload-shared")) {
			vpnha_vici_kv(&b, "id", it->conn);
			vpnha_vici_request(it->vr->vc, &b, NULL, NULL);
		}
		vpnha_vici_buf_free(&b);
	}
	vref_put(it->vr);
	it->vr = NULL;
	it->loaded = false;
}

/* load-shared + load-conn from the same items as the swanctl text. */
static int ss_load(struct itun *it, const struct vpnha_ipsec_params *p,
		   const struct vpnha_cfg *cfg)
{
	char key[VPNHA_PSK_MAX + 1];
	struct vpnha_vici_buf b;
	int len;

	len = vpnha_psk_reveal(p->conf->psk, key, sizeof(key));
	if (len < 0 || !ss_begin(&b, "load-shared"))
		return -1;
	vpnha_vici_kv(&b, "id", p->conn);
	vpnha_vici_kv(&b, "type", "IKE");
	vpnha_vici_kv_bin(&b, "data", key, len);
	explicit_bzero(key, sizeof(key));
	vpnha_vici_list_start(&b, "owners");
	vpnha_vici_list_item(&b, p->local_id);
	vpnha_vici_list_item(&b, p->remote_id);
	vpnha_vici_list_end(&b);
	vpnha_vici_request(it->vr->vc, &b, ss_result, (void *)"load-shared");
	vpnha_vici_buf_free(&b);

	if (!ss_begin(&b, "load-conn"))
		return -1;
	for (unsigned int i = 0; i < cfg->n; i++) {
		const struct vpnha_cfg_item *ci = &cfg->item[i];

		switch (ci->kind) {
		case VPNHA_CFG_SECTION:
			vpnha_vici_section_start(&b, ci->key);
			break;
		case VPNHA_CFG_END:
			vpnha_vici_section_end(&b);
			break;
		case VPNHA_CFG_KV:
			vpnha_vici_kv(&b, ci->key, ci->value);
			break;
		case VPNHA_CFG_LIST:
			vpnha_vici_list_start(&b, ci->key);
			vpnha_vici_list_item(&b, ci->value);
			vpnha_vici_list_end(&b);
			break;
		}
	}
	vpnha_vici_request(it->vr->vc, &b, ss_result, (void *)"load-conn");
	vpnha_vici_buf_free(&b);
	return 0;
}

static void ss_dumped(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len);

/* Take stock: SAs are reported, then ss_dumped() marks the rest down. */
static void ss_dump(struct vref *vr)
{
	struct vpnha_vici_buf b;
	struct vpnha_tunnel *t;

	vpnha_each_tunnel (vpnha, t)
		if (itun_of(t) && itun_of(t)->vr == vr)
			itun_of(t)->seen = false;
	if (ss_begin(&b, "list-sas"))
		vpnha_vici_request(vr->vc, &b, ss_dumped, vr);
	vpnha_vici_buf_free(&b);
}

static void ss_dump_timer(vpnha_event_t *e)
{
	struct vref *vr = VPNHA_EVENT_ARG(e);

	if (vpnha_vici_connected(vr->vc))
		ss_dump(vr);
	vpnha_add_timer_msec(master, ss_dump_timer, vr, SS_DUMP_MS,
			     &vr->t_dump);
}

static void ss_apply(struct itun *it, const struct vpnha_ipsec_params *p)
{
	const char *path = p->conf->vici_socket[0] ? p->conf->vici_socket
						   : vpnha->ipsec.vici_socket;
	struct vpnha_text text = {};
	struct vpnha_cfg cfg;
	bool reload;

	vpnha_swanctl_conn(&cfg, p);
	vpnha_swanctl_text(&text, &cfg);
	if (it->vr && strcmp(it->vr->path, path) != 0)
		ss_remove(it);
	if (!it->vr)
		it->vr = vref_get(path);
	if (it->loaded && itun_same(it, &text, p)) {
		vpnha_text_free(&text);
		return;
	}
	/* A changed connection: its SAs go, the new one comes up. */
	reload = it->loaded && it->applied.buf;
	itun_applied(it, &text, p);
	it->loaded = false;
	if (!vpnha_vici_connected(it->vr->vc)) {
		sa_set(it, VPNHA_SA_UNKNOWN, "charon not reachable at %s: %s",
		       path, vpnha_vici_last_error(it->vr->vc));
		if (vpnha_vici_last_error(it->vr->vc)[0])
			ipsec_status(false, "charon at %s: %s", path,
				     vpnha_vici_last_error(it->vr->vc));
		return; /* loaded on connect */
	}
	if (reload)
		ss_terminate(it);
	if (ss_load(it, p, &cfg) < 0) {
		sa_set(it, VPNHA_SA_UNKNOWN, "cannot build the VICI request");
		return;
	}
	it->loaded = true;
	/* Up already (vpnhad restarted)?  The dump says; if not: initiate. */
	ss_dump(it->vr);
}

/* The list-sas response: every SA has been reported. */
static void ss_dumped(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len)
{
	struct vref *vr = arg;
	struct vpnha_tunnel *t;

	if (!msg)
		return;
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (it && it->vr == vr && !it->seen)
			sa_set(it, VPNHA_SA_DOWN, "no IKE SA");
	}
}

static bool ss_all_connected(void)
{
	struct vref *vr;

	bool any = false;

	for (vr = vrefs; vr; vr = vr->next) {
		if (!vr->refs)
			continue; /* lingering, unused */
		if (!vpnha_vici_connected(vr->vc))
			return false;
		any = true;
	}
	return any;
}

static void ss_connected(struct vpnha_vici *vc, void *arg)
{
	struct vref *vr = arg;
	struct vpnha_tunnel *t;

	ipsec_status(ss_all_connected(), NULL);
	/* Load (again) what charon may have forgotten, then take stock. */
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it || it->vr != vr)
			continue;
		it->loaded = false;
		vpnha_text_free(&it->applied);
		vpnha_tunnel_set_ipsec(vpnha, t, t->ipsec);
	}
	ss_dump(vr);
}

static void ss_disconnected(struct vpnha_vici *vc, void *arg, const char *why)
{
	struct vref *vr = arg;
	struct vpnha_tunnel *t;

	ipsec_status(false, "charon at %s: %s", vr->path, why);
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it || it->vr != vr)
			continue;
		it->loaded = false;
		VPNHA_EVENT_OFF(it->t_init);
		sa_set(it, VPNHA_SA_UNKNOWN, "charon not reachable: %s", why);
	}
}

static void ss_sa_event(struct vpnha_vici *vc, void *arg,
			const struct vpnha_vici_sa *sa, bool updown)
{
	struct vref *vr = arg;
	const struct vpnha_vici_child *c = NULL;
	struct vpnha_tunnel *t;
	struct itun *it = NULL;

	vpnha_each_tunnel (vpnha, t) {
		it = itun_of(t);
		if (it && it->vr == vr && strcmp(it->conn, sa->ike_name) == 0)
			break;
	}
	if (!t)
		return; /* not ours */
	it->seen = true;
	/* Around a rekey the old child (DELETING) sits beside the new. */
	for (unsigned int i = 0; i < sa->n_child; i++)
		if (strcmp(sa->child[i].name, it->conn) == 0 &&
		    (!c || strcmp(sa->child[i].state, "INSTALLED") == 0))
			c = &sa->child[i];
	t->sa.established_s = sa->established_s;

	if (updown && !sa->up_event) {
		sa_set(it, VPNHA_SA_DOWN, "IKE %s, child %s down",
		       sa->ike_state, c ? c->state : "-");
		return;
	}
	if (c && (strcmp(c->state, "INSTALLED") == 0 ||
		  strcmp(c->state, "REKEYING") == 0 ||
		  strcmp(c->state, "REKEYED") == 0)) {
		t->sa.bytes_in = c->bytes_in;
		t->sa.bytes_out = c->bytes_out;
		if (it->child_id && c->spi_in && c->spi_in != it->child_id &&
		    strcmp(c->state, "INSTALLED") == 0)
			t->sa.rekeys++;
		if (c->spi_in)
			it->child_id = c->spi_in;
		sa_set(it, VPNHA_SA_UP, "IKE %s, child %s", sa->ike_state,
		       c->state);
		return;
	}
	if (updown)
		return; /* ike up, child to follow */
	sa_set(it,
	       strcmp(sa->ike_state, "DELETING") == 0 ? VPNHA_SA_DOWN
						      : VPNHA_SA_CONNECTING,
	       "IKE %s, child %s", sa->ike_state, c ? c->state : "none");
}

/* Both backends ---------------------------------------------------------- */

static void itun_init(vpnha_event_t *e)
{
	struct itun *it = VPNHA_EVENT_ARG(e);

	if (it->t->sa.state != VPNHA_SA_DOWN || !it->loaded)
		return;
	zlog_info("tunnel %s: IPsec SA down, initiating %s", it->t->name,
		  it->conn);
	it->t->sa.initiations++;
	if (it->backend == VPNHA_IPSEC_LIBRESWAN)
		ls_initiate(it);
	else if (it->vr && vpnha_vici_connected(it->vr->vc))
		ss_initiate(it);
	/*
	 * Negotiating now: no second initiate while IKE is under way.  If
	 * it fails, the next report (poll, dump, or the initiate's own
	 * answer) says "down" again and the next try follows the backoff.
	 */
	sa_set(it, VPNHA_SA_CONNECTING, "initiated by vpnhad");
}

static void itun_init_schedule(struct itun *it)
{
	if (it->t_init)
		return;
	/* First try at once, then 1 s, 2 s, ... 30 s. */
	vpnha_add_timer_msec(master, itun_init, it, it->backoff_ms,
			     &it->t_init);
	it->backoff_ms = it->backoff_ms
				 ? MIN(it->backoff_ms * 2, INIT_BACKOFF_MAX_MS)
				 : INIT_BACKOFF_MIN_MS;
}

static void itun_unload(struct itun *it)
{
	if (it->backend == VPNHA_IPSEC_LIBRESWAN)
		ls_remove(it);
	else
		ss_remove(it);
	if (it->conn[0])
		zlog_info("tunnel %s: IPsec connection %s removed", it->t->name,
			  it->conn);
	it->conn[0] = '\0';
	vpnha_text_free(&it->applied);
}

static void vpnha_ipsec_tunnel_remove(struct vpnha_tunnel *t)
{
	struct itun *it = itun_of(t);

	if (!it)
		return;
	VPNHA_EVENT_OFF(it->t_init);
	itun_unload(it);
	XFREE(MTYPE_VPNHA_IPSEC_IO, it);
	t->ipsec_io = NULL;
}

/* Another loaded connection with this if_id (XFRM id or VTI mark). */
static struct vpnha_tunnel *vpnha_ipsec_if_id_user(struct vpnha_tunnel *t,
						   uint32_t if_id)
{
	struct vpnha_tunnel *o;

	vpnha_each_tunnel (vpnha, o) {
		struct itun *oi = itun_of(o);

		if (o != t && oi && oi->conn[0] && oi->if_id == if_id &&
		    oi->backend == vpnha->ipsec.backend)
			return o;
	}
	return NULL;
}

static void vpnha_ipsec_tunnel_apply(struct vpnha_tunnel *t)
{
	struct itun *it = itun_of(t);
	struct vpnha_peer *peer =
		t->peer[0] ? vpnha_peer_find(vpnha, t->peer) : NULL;
	struct vpnha_ipsec_params p;
	struct vpnha_tunnel *dup;
	char err[128];

	if (!it) {
		it = XCALLOC(MTYPE_VPNHA_IPSEC_IO, sizeof(*it));
		it->t = t;
		it->backend = vpnha->ipsec.backend;
		t->ipsec_io = it;
	}
	/* Backend changed, or the connection name: unload the old one. */
	if (it->backend != vpnha->ipsec.backend) {
		itun_unload(it);
		it->backend = vpnha->ipsec.backend;
	}
	if (vpnha_ipsec_resolve(&p, it->backend, t->name, t->ifname, t->ipsec,
				&vpnha->gw_addr, peer ? &peer->addr : NULL, err,
				sizeof(err)) < 0) {
		if (it->conn[0])
			itun_unload(it);
		if (strcmp(err, t->sa.detail + MIN(strlen(t->sa.detail), 15)))
			zlog_warn(
				"tunnel %s: IPsec connection not generated: %s",
				t->name, err);
		sa_set(it, VPNHA_SA_UNKNOWN, "not generated: %s", err);
		return;
	}
	if (p.if_id && (dup = vpnha_ipsec_if_id_user(t, p.if_id))) {
		if (it->conn[0])
			itun_unload(it);
		sa_set(it, VPNHA_SA_UNKNOWN,
		       "not generated: if-id %u is tunnel %s's already",
		       p.if_id, dup->name);
		return;
	}
	strlcpy(it->conn, p.conn, sizeof(it->conn));
	it->if_id = p.if_id;
	if (it->backend == VPNHA_IPSEC_LIBRESWAN) {
		ls_apply(it, &p);
		if (!t_poll)
			ls_poll_schedule();
	} else
		ss_apply(it, &p);
}

static void vpnha_ipsec_global_apply(void)
{
	struct vpnha_tunnel *t;

	vpnha->ipsec_status.connected = false;
	vpnha->ipsec_status.error[0] = '\0';
	/* Settings changed: reload every connection with them. */
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it)
			continue;
		itun_unload(it);
		it->backend = vpnha->ipsec.backend;
	}
	VPNHA_EVENT_OFF(t_poll);
	vpnha_each_tunnel (vpnha, t)
		if (t->ipsec)
			vpnha_ipsec_tunnel_apply(t);
}

const struct vpnha_ipsec_ops vpnha_ipsec_io_ops = {
	.tunnel_apply = vpnha_ipsec_tunnel_apply,
	.tunnel_remove = vpnha_ipsec_tunnel_remove,
	.global_apply = vpnha_ipsec_global_apply,
};

const char *vpnha_ipsec_io_conn(const struct vpnha_tunnel *t)
{
	const struct itun *it = itun_of(t);

	return it ? it->conn : "";
}

int vpnha_ipsec_io_render(const struct vpnha_tunnel *t, struct vpnha_text *out)
{
	struct vpnha_peer *peer =
		t->peer[0] ? vpnha_peer_find(vpnha, t->peer) : NULL;
	struct vpnha_ipsec_params p;
	struct vpnha_cfg cfg;
	char err[128];

	if (!t->ipsec) {
		vpnha_text_printf(out, "tunnel has no ipsec configuration");
		return -1;
	}
	if (vpnha_ipsec_resolve(&p, vpnha->ipsec.backend, t->name, t->ifname,
				t->ipsec, &vpnha->gw_addr,
				peer ? &peer->addr : NULL, err,
				sizeof(err)) < 0) {
		vpnha_text_printf(out, "not generated: %s", err);
		return -1;
	}
	if (vpnha->ipsec.backend == VPNHA_IPSEC_LIBRESWAN) {
		vpnha_libreswan_conn(out, &p);
		vpnha_text_printf(
			out,
			"# secrets: %s %s : PSK <hidden> (%s/%s.secrets, 0600)\n",
			p.local_id, p.remote_id, vpnha->ipsec.ls_dir, p.conn);
	} else {
		vpnha_swanctl_conn(&cfg, &p);
		vpnha_swanctl_text(out, &cfg);
		vpnha_text_printf(
			out,
			"# secrets: IKE key '%s' for %s %s <hidden> (loaded over VICI)\n",
			p.conn, p.local_id, p.remote_id);
	}
	return 0;
}

void vpnha_ipsec_io_init(void)
{
	vpnha->ipsec_ops = &vpnha_ipsec_io_ops;
}

void vpnha_ipsec_io_fini(void)
{
	struct vpnha_tunnel *t;

	/* Leave the IPsec daemon's connections as they are (a restart of
	 * vpnhad must not cut traffic); just free our state. */
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it)
			continue;
		VPNHA_EVENT_OFF(it->t_init);
		vpnha_text_free(&it->applied);
		XFREE(MTYPE_VPNHA_IPSEC_IO, it);
		t->ipsec_io = NULL;
	}
	while (vrefs)
		vref_destroy(vrefs);
	VPNHA_EVENT_OFF(t_poll);
	VPNHA_EVENT_OFF(t_xfrm);
	if (xfrm_fd >= 0)
		close(xfrm_fd);
	xfrm_fd = -1;
	vpnha->ipsec_ops = NULL;
}
