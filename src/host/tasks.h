/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proxmox VE task logs: ROOT/var/log/pve/tasks. Every worker (qm start is
 * "qmstart") has a UPID, a log file named by it in a subdirectory named by
 * the last hex digit of its start time, and, once finished, a line in the
 * `active` file and later in the `index` archive with its end time and
 * status. Formats from pve-common: src/PVE/UPID.pm (encode, decode,
 * read_status; PVE::Tools::upid_* before pve-common 9), src/PVE/INotify.pm
 * (read_active_workers) and src/PVE/RESTEnvironment.pm (active_workers,
 * which archives finished tasks to the index).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "context.h"

struct vp_task {
	char *upid;
	char *node;
	unsigned long pid;
	uint64_t pstart;
	time_t starttime;
	char *type; /* "qmstart" */
	char *id;   /* "100" */
	char *user; /* "root@pam" */

	time_t endtime; /* 0 while running or unknown */
	/*
	 * As read_status returns it: "OK", "WARNINGS: N", the error message
	 * after "TASK ERROR: ", "unexpected status"; NULL while running.
	 */
	char *status;
	bool running;		 /* in the active file without an end time */
	const char *status_from; /* "index", "active", "log" */
	char *log;		 /* the log below the root: var/log/pve/tasks/X/UPID */
};

/* Split a UPID as UPID.pm decode does; -EINVAL when it is not one. */
int vp_upid_decode(const char *upid, struct vp_task *t);
/* Is the status an error (UPID.pm status_is_error)? */
bool vp_task_failed(const struct vp_task *t);
/*
 * The newest task of @type for @id (by start time) on this node's task
 * directory: 0, -ENOENT when there is none, -ENOTDIR when the root has no
 * task directory.
 */
int vp_tasks_last(struct vp_ctx *ctx, const char *type, const char *id,
		  struct vp_task *out);
/* Open the task's log for reading. */
int vp_task_open_log(struct vp_ctx *ctx, const struct vp_task *t, FILE **f);
void vp_task_free(struct vp_task *t);
/*
 * explain --vm: open the log of VM @vmid's last start (qmstart) and name it
 * in *@label with the task's status. Errors are printed; -EINVAL for a bad
 * VMID, -ENOENT when the VM was never started on this node.
 */
int vp_task_vm_start_log(struct vp_ctx *ctx, const char *vmid, FILE **f, char **label);
