/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The oracle for the GRUB reader: dash sources the files under a root the
 * way grub-mkconfig does (util/grub-mkconfig.in, set -e, /etc/default/grub
 * "if test -f", then the grub.d *.cfg glob "if [ -e ]") and prints both
 * command lines. Run with a fixed environment and no input; only for test
 * files, never for a host's.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char grub_dash_script[] =
	"set -e\n"
	"sysconfdir=\"$1\"/etc\n"
	"if test -f ${sysconfdir}/default/grub ; then\n"
	"  . ${sysconfdir}/default/grub\n"
	"fi\n"
	"for x in ${sysconfdir}/default/grub.d/*.cfg ; do\n"
	"  if [ -e \"${x}\" ]; then\n"
	"    . \"${x}\"\n"
	"  fi\n"
	"done\n"
	"printf '%s\\0%s\\0' \"${GRUB_CMDLINE_LINUX_DEFAULT-}\" \"${GRUB_CMDLINE_LINUX-}\"\n";

/*
 * GRUB_CMDLINE_LINUX_DEFAULT and GRUB_CMDLINE_LINUX as dash sees them under
 * @root: 0, or -1 when dash failed (as update-grub would), -errno when it
 * could not be run.
 */
static inline int grub_dash(const char *root, char **def, char **lin)
{
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd[2], st;
	pid_t pid;

	*def = *lin = NULL;
	if (access("/usr/bin/dash", X_OK) < 0)
		return -ENOENT;
	if (pipe(fd) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(fd[1], 1);
		dup2(null, 2);
		close(fd[0]);
		if (chdir("/") == 0)
			execve("/usr/bin/dash",
			       (char *const[]){ "dash", "-c", (char *)grub_dash_script,
						"dash", (char *)root, NULL },
			       envp);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *b = realloc(buf, cap = cap * 2 + 4096);

			if (!b)
				abort();
			buf = b;
		}
		n = read(fd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (buf)
		buf[len] = '\0';
	if (!WIFEXITED(st)) {
		free(buf);
		return -EIO;
	}
	if (WEXITSTATUS(st) != 0 || !buf || strlen(buf) + 1 >= len) {
		free(buf);
		return -1;
	}
	*def = strdup(buf);
	*lin = strdup(buf + strlen(buf) + 1);
	free(buf);
	return 0;
}
