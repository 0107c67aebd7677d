// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad child-process job queue (see vpnha_job_io.h).
 */
#include <zebra.h>

#include <sys/wait.h>

#include "lib/log.h"
#include "lib/memory.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_job_io.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_JOB, "VPN HA child-process job");

#define JOB_TIMEOUT_MS 10000
#define JOB_OUTPUT_MAX 65536

struct job {
	struct job *next;
	char *argv[VPNHA_JOB_ARGS_MAX + 1];
	char tag[VPNHA_NAME_MAX + 1];
	const char *(*dir)(void);
	vpnha_job_done_t done;
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
		XFREE(MTYPE_VPNHA_JOB, job->argv[i]);
	XFREE(MTYPE_VPNHA_JOB, job);
}

static void job_done(struct job *job, int status, const char *out)
{
	job->done(job->tag, job->argv[0], status, out);
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
	job_done(job, status, run.out.buf ? run.out.buf : "");
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
	/* The directory as configured when the job runs. */
	snprintf(path, sizeof(path), "%s/%s", job->dir(), job->argv[0]);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		job_done(job, 127, "pipe failed");
		goto next;
	}
	run.pid = fork();
	if (run.pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		job_done(job, 127, "fork failed");
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

void vpnha_job_queue(const char *(*dir)(void), const char *tag,
		     vpnha_job_done_t done, const char *const argv[])
{
	struct job *job = XCALLOC(MTYPE_VPNHA_JOB, sizeof(*job));

	for (int n = 0; argv[n] && n < VPNHA_JOB_ARGS_MAX; n++)
		job->argv[n] = XSTRDUP(MTYPE_VPNHA_JOB, argv[n]);
	strlcpy(job->tag, tag ? tag : "", sizeof(job->tag));
	job->dir = dir;
	job->done = done;
	if (run.tail)
		run.tail->next = job;
	else
		run.head = job;
	run.tail = job;
	job_start();
}
