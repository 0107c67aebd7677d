// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad IPsec adapter, libreswan backend (see vpnha_ipsec_io_private.h).
 *
 * Per tunnel, DIR/<conn>.conf and DIR/<conn>.secrets (0600), each
 * starting with VPNHA_FILE_MARK; a file without the mark is never
 * overwritten or removed.  pluto is driven with whack and addconn (run
 * one at a time by vpnha_job_io.c) and polled for SA state every
 * poll-interval, and at once when the kernel reports an XFRM SA event.
 * The conn is written for the libreswan that runs (4.x or 5.x), read
 * with `whack --version` first and whenever pluto comes back.
 */
#include <zebra.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/privs.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_debug.h"
#include "vpnha_ipsec_io_private.h"
#include "vpnha_job_io.h"

extern struct zebra_privs_t vpnha_privs;

static const char *ls_libexec(void)
{
	return vpnha->ipsec.ls_libexec;
}

/* Queue libexec/<prog> --ctlsocket CTL args... (NULL-terminated). */
static void ls_job(const char *tunnel, vpnha_job_done_t done, const char *prog,
		   ...)
{
	const char *argv[VPNHA_JOB_ARGS_MAX + 1] = {prog, "--ctlsocket",
						    vpnha->ipsec.ls_ctl};
	const char *arg;
	va_list ap;
	int n = 3;

	va_start(ap, prog);
	while ((arg = va_arg(ap, const char *)) && n < VPNHA_JOB_ARGS_MAX)
		argv[n++] = arg;
	va_end(ap);
	if (VPNHA_DEBUG(ipsec))
		zlog_debug("IPsec (libreswan): queue %s %s%s%s", prog,
			   n > 3 ? argv[3] : "", n > 4 ? " " : "",
			   n > 4 ? argv[4] : "");
	vpnha_job_queue(ls_libexec, tunnel, done, argv);
}

/* The tunnel a job was for, if it is still managed by libreswan. */
static struct itun *job_itun(const char *tunnel)
{
	struct vpnha_tunnel *t = vpnha_tunnel_find(vpnha, tunnel);
	struct itun *it = t ? itun_of(t) : NULL;

	return it && it->be == &vpnha_libreswan_backend ? it : NULL;
}

static void job_ignore(const char *tag, const char *prog, int status,
		       const char *out)
{
}

static void job_logged(const char *tag, const char *prog, int status,
		       const char *out)
{
	char line[160];

	if (status == 0)
		return;
	vpnha_ipsec_io_first_line(line, sizeof(line), out);
	zlog_warn("IPsec: %s failed (%d): %s", prog, status, line);
}

/* Files ------------------------------------------------------------------ */

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

/* Control ---------------------------------------------------------------- */

/*
 * libreswan's major version (4 or 5), read with `whack --version` before
 * the first conn is written and again whenever pluto comes back (it may
 * have been upgraded): the conn file differs (vpnha_libreswan_conn()).
 * 0 while not known.
 */
static unsigned int ls_major;
static bool ls_major_asked;

static void ls_versioned(const char *tag, const char *prog, int status,
			 const char *out)
{
	unsigned int major = status == 0 ? vpnha_ls_version(out) : 0;
	struct vpnha_tunnel *t;
	char line[96];

	if (!ls_major_asked)
		return; /* settings changed since: asked again */
	ls_major_asked = false;
	if (!major) {
		vpnha_ipsec_io_first_line(line, sizeof(line), out);
		zlog_warn(
			"IPsec: no libreswan version from whack --version (exit %d: %s): writing conns for libreswan %u",
			status, line, VPNHA_LS_MAJOR_DEFAULT);
		major = VPNHA_LS_MAJOR_DEFAULT;
	}
	if (major == ls_major)
		return;
	zlog_info("IPsec: libreswan %u.x: conns written for it", major);
	ls_major = major;
	vpnha_each_tunnel (vpnha, t)
		if (itun_of(t) && itun_of(t)->be == &vpnha_libreswan_backend)
			vpnha_ipsec_io_reapply(t);
}

/* Ask; when the answer differs, every libreswan tunnel is applied again. */
static void ls_version_ask(void)
{
	if (ls_major_asked)
		return;
	ls_major_asked = true;
	ls_job(NULL, ls_versioned, "whack", "--version", NULL);
}

static void ls_added(const char *tag, const char *prog, int status,
		     const char *out)
{
	struct itun *it = job_itun(tag);
	char line[96];

	if (!it)
		return;
	if (status != 0) {
		vpnha_ipsec_io_first_line(line, sizeof(line), out);
		it->loaded = false;
		/*
		 * Not retried until the configuration changes or pluto
		 * comes back: the same file would fail the same way.
		 */
		it->load_failed = vpnha->ipsec_status.connected;
		zlog_warn("tunnel %s: addconn %s failed (exit %d): %s",
			  it->t->name, it->file[0], status,
			  line[0] ? line : "see pluto's log");
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
				  "addconn failed (exit %d): %s", status,
				  line[0] ? line : "see pluto's log");
		return;
	}
	it->load_failed = false;
	it->loaded = true;
	vpnha_ls_addconn_note(it->conn, out, line, sizeof(line));
	if (line[0])
		zlog_warn(
			"tunnel %s: libreswan conn %s loaded, addconn says: %s",
			it->t->name, it->conn, line);
	else
		zlog_info("tunnel %s: libreswan conn %s loaded", it->t->name,
			  it->conn);
}

static void ls_initiated(const char *tag, const char *prog, int status,
			 const char *out)
{
	struct itun *it = job_itun(tag);
	char line[96];

	if (!it || status == 0)
		return;
	vpnha_ipsec_io_first_line(line, sizeof(line), out);
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
	ls_job(NULL, job_ignore, "whack", "--name", it->conn, "--delete", NULL);
	file_remove(it->file[0]);
	file_remove(it->file[1]);
	ls_job(NULL, job_ignore, "whack", "--rereadsecrets", NULL);
	it->loaded = false;
}

static void ls_initiate(struct itun *it)
{
	ls_job(it->t->name, ls_initiated, "whack", "--name", it->conn,
	       "--initiate", "--asynchronous", NULL);
}

static void ls_load(struct itun *it, const struct vpnha_ipsec_params *p)
{
	struct vpnha_text conn = {}, secrets = {};
	char err[256];
	bool adopt;

	vpnha_libreswan_conn(&conn, p, ls_major);
	if ((it->loaded || it->load_failed) &&
	    vpnha_ipsec_io_same(it, &conn, p)) {
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
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
				  "pre-shared-key unusable");
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
		if (!it->file_error ||
		    strcmp(vpnha_tunnel_sa_detail(it->t), err) != 0)
			zlog_warn("tunnel %s: %s", it->t->name, err);
		it->file_error = true;
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN, "%s", err);
		return;
	}
	it->file_error = false;
	vpnha_text_free(&secrets);
	vpnha_ipsec_io_applied(it, &conn, p);
	it->loaded = true; /* ls_added says otherwise on failure */
	if (adopt) {
		zlog_info("tunnel %s: libreswan conn %s unchanged, kept",
			  it->t->name, p->conn);
		return;
	}
	/* Replace only this conn: delete (its SAs too), add, bring up. */
	ls_job(NULL, job_logged, "whack", "--rereadsecrets", NULL);
	ls_job(NULL, job_ignore, "whack", "--name", p->conn, "--delete", NULL);
	ls_job(it->t->name, ls_added, "addconn", "--config", it->file[0],
	       p->conn, NULL);
	if (p->conf->passive) {
		vpnha_ipsec_io_sa(it, VPNHA_SA_DOWN,
				  "passive: waiting for the peer");
		return;
	}
	vpnha_tunnel_sa_initiated(vpnha, it->t);
	ls_initiate(it);
	vpnha_ipsec_io_sa(it, VPNHA_SA_CONNECTING, "initiated by vpnhad");
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
	if (sa_event) {
		if (VPNHA_DEBUG(ipsec))
			zlog_debug("IPsec (libreswan): XFRM SA event, polling");
		ls_poll_kick();
	}
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

static void ls_polled(const char *tag, const char *prog, int status,
		      const char *out)
{
	struct vpnha_tunnel *t;
	bool was = vpnha->ipsec_status.connected;
	char line[120];
	char err[sizeof(vpnha->ipsec_status.error)];

	if (status != 0) {
		vpnha_ipsec_io_first_line(line, sizeof(line), out);
		snprintfrr(err, sizeof(err), "pluto not reachable (%s): %s",
			   vpnha->ipsec.ls_ctl, line);
		vpnha_ipsec_status_set(vpnha, false, err);
	} else
		vpnha_ipsec_status_set(vpnha, true, NULL);
	/* pluto (re)appeared: maybe another libreswan, read its version. */
	if (!was && status == 0)
		ls_version_ask();

	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);
		struct vpnha_ls_sa sa;

		if (!it || it->be != &vpnha_libreswan_backend || !it->conn[0])
			continue;
		/* Retry writing; a file error stays in show until it is fixed.
		 */
		if (it->file_error) {
			vpnha_ipsec_io_reapply(t);
			if (it->file_error || status != 0)
				continue;
		}
		if (status != 0) {
			vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
					  "pluto not reachable");
			/* Load everything again once pluto is back. */
			it->loaded = false;
			continue;
		}
		if (!it->loaded) {
			/* pluto is back (it may have restarted): load again. */
			if (!was)
				it->load_failed = false;
			if (!it->load_failed)
				vpnha_ipsec_io_reapply(t);
			continue;
		}
		vpnha_ls_parse(it->conn, poll_traffic, out, &sa);
		vpnha_tunnel_sa_traffic(vpnha, t, sa.bytes_in, sa.bytes_out);
		if (sa.state == VPNHA_SA_UP && it->child_id &&
		    sa.child_serial != it->child_id)
			vpnha_tunnel_sa_rekeyed(vpnha, t);
		if (sa.state == VPNHA_SA_UP)
			it->child_id = sa.child_serial;
		vpnha_ipsec_io_sa(it, sa.state, "%s", sa.detail);
	}
	if (!was && status == 0)
		zlog_info("IPsec: pluto reachable at %s", vpnha->ipsec.ls_ctl);
	XFREE(MTYPE_VPNHA_IPSEC_IO, poll_traffic);
	poll_running = false;
	ls_poll_schedule();
}

static void ls_polled_traffic(const char *tag, const char *prog, int status,
			      const char *out)
{
	XFREE(MTYPE_VPNHA_IPSEC_IO, poll_traffic);
	poll_traffic = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, status == 0 ? out : "");
	if (status != 0) {
		ls_polled(tag, prog, status, out);
		return;
	}
	ls_job(NULL, ls_polled, "whack", "--showstates", NULL);
}

static bool ls_any(void)
{
	struct vpnha_tunnel *t;

	vpnha_each_tunnel (vpnha, t)
		if (itun_of(t) && itun_of(t)->be == &vpnha_libreswan_backend)
			return true;
	return false;
}

static void ls_poll(vpnha_event_t *e)
{
	if (!ls_any())
		return;
	poll_running = true;
	ls_job(NULL, ls_polled_traffic, "whack", "--trafficstatus", NULL);
}

/* The backend ------------------------------------------------------------ */

static void ls_apply(struct itun *it, const struct vpnha_ipsec_params *p)
{
	if (ls_major)
		ls_load(it, p);
	else {
		ls_version_ask();
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
				  "reading libreswan's version");
	}
	if (!t_poll)
		ls_poll_schedule();
}

static void ls_render(struct vpnha_text *out,
		      const struct vpnha_ipsec_params *p)
{
	vpnha_libreswan_conn(out, p,
			     ls_major ? ls_major : VPNHA_LS_MAJOR_DEFAULT);
	vpnha_text_printf(
		out, "# secrets: %s %s : PSK <hidden> (%s/%s.secrets, 0600)\n",
		p->local_id, p->remote_id, vpnha->ipsec.ls_dir, p->conn);
}

static void ls_stop(void)
{
	VPNHA_EVENT_OFF(t_poll);
	/* libexec or ctl-socket may change: another libreswan. */
	ls_major = 0;
	ls_major_asked = false;
}

static void ls_fini(void)
{
	VPNHA_EVENT_OFF(t_poll);
	VPNHA_EVENT_OFF(t_xfrm);
	if (xfrm_fd >= 0)
		close(xfrm_fd);
	xfrm_fd = -1;
}

const struct vpnha_ipsec_io_backend vpnha_libreswan_backend = {
	.kind = VPNHA_IPSEC_LIBRESWAN,
	.apply = ls_apply,
	.remove = ls_remove,
	.initiate = ls_initiate,
	.render = ls_render,
	.stop = ls_stop,
	.fini = ls_fini,
};
