// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log: a `dmesg` or `journalctl -k` export given with
 * --kernel-log (the operator's choice wins), else the root's systemd journal
 * (journal.c), else the root's /var/log/kern.log. Reading them needs no
 * privilege beyond the journal's group, unlike the kernel ring buffer.
 */
#include <errno.h>
#include <fcntl.h>

#include "host/facts.h"

/* Enough for days of a busy host; the boot messages checks need come first. */
#define VP_KLOG_MAX_LINES 200000

/*
 * Keep only the last boot: a log file or journal export may hold several,
 * and each starts with the kernel banner (init/main.c start_kernel prints
 * "Linux version"). A log without a banner is kept whole.
 */
static int read_lines(FILE *f, struct vp_klog *k)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int r;

	while (getline(&line, &cap, f) > 0) {
		strstrip_end(line);
		if (strstr(line, "] Linux version ") ||
		    strstr(line, "kernel: Linux version ") ||
		    startswith(line, "Linux version "))
			strv_free(&k->lines);
		if (k->lines.n >= VP_KLOG_MAX_LINES)
			continue;
		r = strv_add(&k->lines, line);
		if (r < 0)
			return r;
	}
	return 0;
}

int vp_klog_load(struct vp_ctx *ctx, const char *file, struct vp_klog *k)
{
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r;

	if (file) {
		/* An operator's file, outside the root on purpose: it is the input. */
		f = streq(file, "-") ? fdopen(dup(STDIN_FILENO), "r") : fopen(file, "re");
		if (!f) {
			r = -errno;
			vp_log_err(ctx, "cannot read kernel log '%s': %s", file,
				   strerror(-r));
			return r;
		}
		k->source = strdup(file);
		return read_lines(f, k);
	}
	r = vp_journal_klog(ctx, k);
	if (r == 0)
		return 0;
	/* A snapshot: the journal's kernel messages as capture.c wrote them. */
	fd = vp_openf(ctx, VP_VAR_LOG, O_RDONLY, VP_KLOG_FROM_JOURNAL);
	if (fd >= 0) {
		_cleanup_free_ char *head = NULL;
		size_t cap = 0;

		f = fdopen(fd, "r");
		if (!f) {
			close(fd);
			return -errno;
		}
		if (getline(&head, &cap, f) > 0 &&
		    startswith(head, VP_KLOG_JOURNAL_HEADER)) {
			free(k->unavailable);
			k->unavailable = NULL;
			strstrip_end(head);
			k->source = xasprintf(
				"%s, as captured in /var/log/" VP_KLOG_FROM_JOURNAL,
				head + strlen(VP_KLOG_JOURNAL_HEADER));
			return k->source ? read_lines(f, k) : -ENOMEM;
		}
		fclose(f);
		f = NULL;
	}
	fd = vp_openf(ctx, VP_VAR_LOG, O_RDONLY, "kern.log");
	if (fd < 0) {
		_cleanup_free_ char *why = k->unavailable;

		if (!why)
			why = r == -ENOENT
				      ? strdup("no systemd journal in /var/log/journal or "
					       "/run/log/journal")
				      : xasprintf("the journal cannot be read: %s",
						  strerror(-r));
		k->unavailable = xasprintf("no kernel log: %s, and no /var/log/kern.log "
					   "(pass --kernel-log with a dmesg or "
					   "journalctl -k export)",
					   why ? why : "");
		return 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	k->source = strdup("/var/log/kern.log");
	return read_lines(f, k);
}

const char *vp_klog_find(const struct vp_klog *k, const char *needle)
{
	for (size_t i = 0; i < k->lines.n; i++)
		if (strstr(k->lines.v[i], needle))
			return k->lines.v[i];
	return NULL;
}

void vp_klog_free(struct vp_klog *k)
{
	strv_free(&k->lines);
	free(k->source);
	free(k->unavailable);
	free(k->boot_id);
	free(k->journal_dir);
}
