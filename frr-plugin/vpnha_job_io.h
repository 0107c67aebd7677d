// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad child-process job queue (adapter): runs helper programs (the
 * libreswan backend's whack and addconn) one at a time, without
 * blocking the event loop, and hands each one's exit status and output
 * to a callback.  A job that does not finish in 10 s is killed.
 */
#ifndef _FRR_VPNHA_JOB_IO_H
#define _FRR_VPNHA_JOB_IO_H

#include <stddef.h>

/* At most this many arguments (program name included). */
#define VPNHA_JOB_ARGS_MAX 11

/*
 * A job finished.
 *
 * tag
 *    What the job was queued with ("" for none), e.g. a tunnel name.
 *
 * prog
 *    The program's name (argv[0]).
 *
 * status
 *    Its exit status; 124 killed after the timeout, 127 not started,
 *    128 killed by a signal.
 *
 * out
 *    Its standard output and error (at most 64 KiB), never NULL.
 */
typedef void (*vpnha_job_done_t)(const char *tag, const char *prog, int status,
				 const char *out);

/*
 * Queue DIR/argv[0] argv... (NULL-terminated, at most VPNHA_JOB_ARGS_MAX
 * entries used).  dir() is called when the job starts, so a queued job
 * runs from the directory configured then.
 */
extern void vpnha_job_queue(const char *(*dir)(void), const char *tag,
			    vpnha_job_done_t done, const char *const argv[]);

#endif /* _FRR_VPNHA_JOB_IO_H */
