// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proxmox VE task logs (tasks.h). Nothing here writes: pvedaemon owns the
 * directory and its lock (/var/log/pve/tasks/.active.lock).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "host/tasks.h"
#include "util.h"

#define TASKDIR "pve/tasks" /* below VP_VAR_LOG: UPID.pm $pvetaskdir */

void vp_task_free(struct vp_task *t)
{
	free(t->upid);
	free(t->node);
	free(t->type);
	free(t->id);
	free(t->user);
	free(t->status);
	free(t->log);
	*t = (struct vp_task){ 0 };
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* A field without ':', white space or '/' ([^:\s/]); @empty_ok for the id. */
static bool plain_field(const char *s, size_t n, bool empty_ok)
{
	if (n == 0)
		return empty_ok;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || isspace((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * UPID.pm decode:
 * ^UPID:NODE:PID{8 hex}:PSTART{8,9 hex}:STARTTIME{8 hex}:TYPE:ID?:USER:$
 * with NODE [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?.
 */
int vp_upid_decode(const char *upid, struct vp_task *t)
{
	const char *f[8];
	size_t len[8];
	const char *p = upid;
	struct vp_task x = { 0 };

	if (!startswith(upid, "UPID:"))
		return -EINVAL;
	p += 5;
	for (int i = 0; i < 7; i++) {
		const char *c = strchr(p, ':');

		if (!c)
			return -EINVAL;
		f[i] = p;
		len[i] = (size_t)(c - p);
		p = c + 1;
	}
	if (*p)
		return -EINVAL; /* the trailing ':' ends it */
	if (!len[0] || !isalnum((unsigned char)f[0][0]) ||
	    !isalnum((unsigned char)f[0][len[0] - 1]))
		return -EINVAL;
	for (size_t i = 0; i < len[0]; i++)
		if (!isalnum((unsigned char)f[0][i]) && f[0][i] != '-')
			return -EINVAL;
	if (len[1] != 8 || !all_hex(f[1], 8) || len[2] < 8 || len[2] > 9 ||
	    !all_hex(f[2], len[2]) || len[3] != 8 || !all_hex(f[3], 8))
		return -EINVAL;
	if (!plain_field(f[4], len[4], false) || !plain_field(f[5], len[5], true) ||
	    !plain_field(f[6], len[6], false))
		return -EINVAL;
	x.upid = strdup(upid);
	x.node = strndup(f[0], len[0]);
	x.pid = strtoul(f[1], NULL, 16);
	x.pstart = strtoull(f[2], NULL, 16);
	x.starttime = (time_t)strtoull(f[3], NULL, 16);
	x.type = strndup(f[4], len[4]);
	x.id = strndup(f[5], len[5]);
	x.user = strndup(f[6], len[6]);
	/* The subdirectory is the last hex digit of the start time, as written. */
	x.log = xasprintf("var/log/" TASKDIR "/%c/%s", f[3][7], upid);
	if (!x.upid || !x.node || !x.type || !x.id || !x.user || !x.log) {
		vp_task_free(&x);
		return -ENOMEM;
	}
	*t = x;
	return 0;
}

bool vp_task_failed(const struct vp_task *t)
{
	if (!t->status)
		return false;
	return !streq(t->status, "OK") && !startswith(t->status, "WARNINGS: ");
}

/* Does the file name decode to a task of @type and @id? */
static bool task_is(const char *name, const char *type, const char *id, struct vp_task *t)
{
	if (vp_upid_decode(name, t) < 0)
		return false;
	if (streq(t->type, type) && streq(t->id, id))
		return true;
	vp_task_free(t);
	return false;
}

/*
 * A line of `active` (INotify.pm read_active_workers: "UPID SAVED [ENDTIME
 * [STATUS]]") or of `index` (RESTEnvironment.pm: "UPID ENDTIME STATUS",
 * ENDTIME as %08X).
 */
static int status_from(struct vp_ctx *ctx, const char *file, bool active,
		       struct vp_task *t)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = strlen(t->upid);
	int fd = vp_openf(ctx, VP_VAR_LOG, O_RDONLY, TASKDIR "/%s", file);

	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *end;

		strstrip_end(line);
		if (strncmp(line, t->upid, n) != 0 || (line[n] != ' ' && line[n] != '\t'))
			continue;
		p = line + n + 1;
		if (active) {
			if ((*p != '0' && *p != '1') || (p[1] && p[1] != ' '))
				continue;
			p += 1;
			if (!*p) {
				t->running = true;
				t->status_from = "active";
				continue;
			}
			p++;
		}
		if (strlen(p) < 8 || !all_hex(p, 8) || (p[8] && p[8] != ' '))
			continue;
		t->endtime = (time_t)strtoull(p, &end, 16);
		t->running = false;
		p = p[8] ? p + 9 : p + 8;
		while (*p == ' ')
			p++;
		free(t->status);
		t->status = *p ? strdup(p) : NULL;
		t->status_from = active ? "active" : "index";
		if (*p && !t->status)
			return -ENOMEM;
	}
	return 0;
}

/* UPID.pm read_status: the last line of the log. */
static int status_from_log(struct vp_ctx *ctx, struct vp_task *t)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL, *last = NULL;
	size_t cap = 0;
	int r = vp_task_open_log(ctx, t, &f);

	if (r < 0)
		return r;
	while (getline(&line, &cap, f) > 0) {
		strstrip_end(line);
		free(last);
		last = strdup(line);
		if (!last)
			return -ENOMEM;
	}
	if (!last)
		return 0;
	if (streq(last, "TASK OK"))
		t->status = strdup("OK");
	else if (startswith(last, "TASK ERROR: "))
		t->status = strdup(last + strlen("TASK ERROR: "));
	else if (startswith(last, "TASK WARNINGS: "))
		t->status = strdup(last + strlen("TASK "));
	else
		return 0; /* still writing, or cut: no status line yet */
	t->status_from = "log";
	return t->status ? 0 : -ENOMEM;
}

int vp_tasks_last(struct vp_ctx *ctx, const char *type, const char *id,
		  struct vp_task *out)
{
	struct vp_task best = { 0 };
	bool found = false, anydir = false;
	int r;

	/* Every log, not only the index: the index is rewritten and rotated. */
	for (int h = 0; h < 16; h++) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *e;

		if (vp_opendirf(ctx, VP_VAR_LOG, &d, TASKDIR "/%X", h) < 0)
			continue;
		anydir = true;
		while ((e = readdir(d))) {
			struct vp_task t;

			if (!task_is(e->d_name, type, id, &t))
				continue;
			if (!found || t.starttime > best.starttime ||
			    (t.starttime == best.starttime &&
			     strcmp(t.upid, best.upid) > 0)) {
				vp_task_free(&best);
				best = t;
				found = true;
			} else {
				vp_task_free(&t);
			}
		}
	}
	if (!found)
		return anydir || vp_existsf(ctx, VP_VAR_LOG, TASKDIR) ? -ENOENT
								      : -ENOTDIR;
	r = status_from(ctx, "index.1", false, &best);
	if (r == 0)
		r = status_from(ctx, "index", false, &best);
	if (r == 0)
		r = status_from(ctx, "active", true, &best);
	if (r == 0 && !best.status && !best.running)
		r = status_from_log(ctx, &best);
	if (r < 0) {
		vp_task_free(&best);
		return r;
	}
	*out = best;
	return 0;
}

int vp_task_open_log(struct vp_ctx *ctx, const struct vp_task *t, FILE **f)
{
	int fd = vp_openf(ctx, VP_ROOT, O_RDONLY, "%s", t->log);

	if (fd < 0)
		return fd;
	*f = fdopen(fd, "r");
	if (!*f) {
		close(fd);
		return -errno;
	}
	return 0;
}

int vp_task_vm_start_log(struct vp_ctx *ctx, const char *vmid, FILE **f, char **label)
{
	_cleanup_free_ char *path = NULL;
	struct vp_task t = { 0 };
	char *end;
	unsigned long id;
	int r;

	/* A VMID as qm takes it: 100 to 999999999 (PVE::JSONSchema pve-vmid). */
	errno = 0;
	id = strtoul(vmid, &end, 10);
	if (!*vmid || *end || errno || id < 100 || id > 999999999 || vmid[0] == '0') {
		vp_log_err(ctx, "'%s' is not a VMID (100 to 999999999)", vmid);
		return -EINVAL;
	}
	r = vp_tasks_last(ctx, "qmstart", vmid, &t);
	if (r == -ENOENT || r == -ENOTDIR) {
		_cleanup_free_ char *dir = vp_display_path(VP_VAR_LOG, TASKDIR);

		if (r == -ENOENT)
			vp_log_err(ctx, "no start of VM %s in the task logs (%s)", vmid,
				   dir ? dir : TASKDIR);
		else
			vp_log_err(ctx, "no Proxmox task logs: %s is missing",
				   dir ? dir : TASKDIR);
		return -ENOENT;
	}
	if (r < 0) {
		vp_log_err(ctx, "cannot read the task logs: %s", strerror(-r));
		return r;
	}
	r = vp_task_open_log(ctx, &t, f);
	path = vp_display_path(VP_ROOT, t.log);
	if (r < 0) {
		vp_log_err(ctx, "cannot read the task log %s: %s", path ? path : t.log,
			   strerror(-r));
		vp_task_free(&t);
		return r;
	}
	/* What explain prints as its input: the VM, the task and how it ended. */
	*label = xasprintf("%s (VM %s's last start, %s%s)", path ? path : t.log, vmid,
			   t.running  ? "running"
			   : t.status ? "status: "
				      : "no status",
			   t.running || !t.status ? "" : t.status);
	vp_task_free(&t);
	if (!*label) {
		fclose(*f);
		return -ENOMEM;
	}
	return 0;
}
