// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proxmox's API as the cluster's way to reach every node. The shapes read
 * here are the ones pve-manager returns: GET /nodes (API2/Nodes.pm index:
 * node, status "online"|"offline"|"unknown", ...) and GET
 * /nodes/NODE/hardware/pci (API2/Hardware/PCI.pm -> pve-common
 * SysFSTools::lspci: id "dddd:bb:dd.f", vendor/device/class and
 * subsystem_vendor/subsystem_device as "0x..." strings, iommugroup (-1 without
 * a group), mdev, vendor_name, device_name; knowledge proxmox-formats.md §5).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "host/pveapi.h"

#define API_MAX (64u << 20) /* one answer; a node's PCI list is far smaller */

bool vp_api_node_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static int read_fd(int fd, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		ssize_t k;

		if (n + 4096 + 1 > cap) {
			char *nb;

			if (cap >= API_MAX) {
				free(buf);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* A recorded answer: @dir/@rel.json, or @rel.err with what pvesh said. */
static int recorded(const char *dir, const char *rel, char **out, size_t *len, char **err)
{
	_cleanup_(vp_ctx_freep) struct vp_ctx *ctx = NULL;
	_cleanup_close_ int fd = -1;
	int r = vp_ctx_new(dir, &ctx);

	if (r < 0) {
		*err = xasprintf("%s: %s", dir, strerror(-r));
		return r;
	}
	/* Confined like --root: a link in the recording cannot leave it. */
	fd = vp_openf(ctx, VP_ROOT, O_RDONLY, "%s.json", rel);
	if (fd >= 0)
		return read_fd(fd, out, len);
	if (fd != -ENOENT) {
		*err = xasprintf("%s/%s.json: %s", dir, rel, strerror(-fd));
		return fd;
	}
	if (vp_read_strf(ctx, VP_ROOT, err, "%s.err", rel) == 0 && **err)
		return -EHOSTUNREACH;
	free(*err);
	*err = xasprintf("no recorded answer (%s/%s.json)", dir, rel);
	return -ENOENT;
}

/*
 * pvesh get PATH ARGS --output-format json: the caller's environment (this
 * is a read; the caller already chose which pvesh), C locale, a deadline so
 * that a node that does not answer cannot stall the whole report.
 */
static int run_pvesh(const struct vp_api *api, const char *const *argv, char **out,
		     size_t *len, char **err)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status, r = 0;
	_cleanup_free_ char *obuf = NULL, *ebuf = NULL;
	size_t on = 0, en = 0, ocap = 0, ecap = 0;
	int timeout = api->timeout_s > 0 ? api->timeout_s : 60;
	struct timespec t0, t;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail_pipes;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail_pipes;
	}
	if (pid == 0) {
		if (dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0 ||
		    setenv("LC_ALL", "C", 1) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd pf[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		int left, k;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout * 1000 - (int)((t.tv_sec - t0.tv_sec) * 1000 +
					      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			r = -ETIMEDOUT;
			break;
		}
		k = poll(pf, 2, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < 2; i++) {
			char **b = i ? &ebuf : &obuf;
			size_t *bn = i ? &en : &on, *bc = i ? &ecap : &ocap;
			ssize_t got;

			if (pf[i].fd < 0 ||
			    !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (*bn + 4097 > *bc) {
				char *nb;

				if (*bc >= API_MAX) {
					r = -EFBIG;
					kill(pid, SIGKILL);
					open_fds = 0;
					break;
				}
				*bc = *bc ? *bc * 2 : 65536;
				nb = realloc(*b, *bc);
				if (!nb) {
					r = -ENOMEM;
					kill(pid, SIGKILL);
					open_fds = 0;
					break;
				}
				*b = nb;
			}
			got = read(pf[i].fd, *b + *bn, *bc - *bn - 1);
			if (got > 0) {
				*bn += (size_t)got;
				(*b)[*bn] = '\0';
			} else if (got == 0 || errno != EINTR) {
				/* EOF (or a broken pipe): this stream is done. */
				if (i)
					pe[0] = -1;
				else
					po[0] = -1;
				close(pf[i].fd);
				open_fds--;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = r ? r : -errno;
			break;
		}
	if (po[0] >= 0)
		close(po[0]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (r == -ETIMEDOUT) {
		*err = xasprintf("no answer within %d s", timeout);
		return r;
	}
	if (r < 0) {
		*err = xasprintf("%s", strerror(-r));
		return r;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* pvesh prints the API error, like "500 hostname lookup 'pve3' failed".
		 */
		size_t k = en;

		while (k && (ebuf[k - 1] == '\n' || ebuf[k - 1] == ' '))
			ebuf[--k] = '\0';
		*err = ebuf && *ebuf
			       ? TAKE_PTR(ebuf)
			       : xasprintf("%s exited with %d", argv[0],
					   WIFEXITED(status) ? WEXITSTATUS(status)
							     : 128 + WTERMSIG(status));
		return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT
								       : -EHOSTUNREACH;
	}
	if (!obuf && !(obuf = strdup("")))
		return -ENOMEM;
	*out = TAKE_PTR(obuf);
	*len = on;
	return 0;

fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	*err = xasprintf("%s", strerror(-r));
	return r;
}

static int api_get(const struct vp_api *api, const char *rel, const char *const *extra,
		   char **out, size_t *len, char **err)
{
	const char *argv[12];
	_cleanup_free_ char *path = xasprintf("/%s", rel);
	size_t k = 0;

	*err = NULL;
	if (!path)
		return -ENOMEM;
	if (api->dir)
		return recorded(api->dir, rel, out, len, err);
	argv[k++] = "pvesh";
	argv[k++] = "get";
	argv[k++] = path;
	for (size_t i = 0; extra && extra[i] && k < 9; i++)
		argv[k++] = extra[i];
	argv[k++] = "--output-format";
	argv[k++] = "json";
	argv[k] = NULL;
	return run_pvesh(api, argv, out, len, err);
}

static struct json_object *parse(const char *json, size_t len, char **err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o || json_tokener_get_parse_end(tok) < len) {
		/* Trailing white space is fine; anything else is not an answer. */
		size_t end = json_tokener_get_parse_end(tok);

		while (o && end < len && strchr(" \t\r\n", json[end]))
			end++;
		if (!o || end < len) {
			json_object_put(o);
			o = NULL;
			*err = xasprintf(
				"not a JSON answer (%s)",
				json_tokener_error_desc(json_tokener_get_error(tok)));
		}
	}
	json_tokener_free(tok);
	return o;
}

/*
 * pvesh prints the answer's data; the HTTP API wraps it as {"data": ...}
 * (what curl against port 8006 shows): either is the same answer.
 */
static struct json_object *data_of(struct json_object *o)
{
	struct json_object *d;

	if (json_object_is_type(o, json_type_object) &&
	    json_object_object_length(o) == 1 && json_object_object_get_ex(o, "data", &d))
		return d;
	return o;
}

/* An answer that must be a list: *top is what to put, the list is returned. */
static int parse_list(const char *json, size_t len, const char *what,
		      struct json_object **top, struct json_object **arr, char **err)
{
	*top = parse(json, len, err);
	if (!*top)
		return *err ? -EBADMSG : -ENOMEM;
	*arr = data_of(*top);
	if (json_object_is_type(*arr, json_type_array))
		return 0;
	json_object_put(*top);
	*top = NULL;
	*err = xasprintf("not a list of %s", what);
	return *err ? -EBADMSG : -ENOMEM;
}

void vp_api_nodes_free(struct vp_api_node *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].node);
	free(v);
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct vp_api_node *)a)->node,
		      ((const struct vp_api_node *)b)->node);
}

int vp_api_nodes(const struct vp_api *api, struct vp_api_node **out, size_t *n,
		 char **err)
{
	_cleanup_free_ char *json = NULL;
	struct vp_api_node *v = NULL;
	struct json_object *top, *arr;
	size_t len = 0, k = 0, total;
	int r;

	*out = NULL;
	*n = 0;
	r = api_get(api, "nodes", NULL, &json, &len, err);
	if (r < 0)
		return r;
	r = parse_list(json, len, "nodes", &top, &arr, err);
	if (r < 0)
		return r;
	total = json_object_array_length(arr);
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v) {
		json_object_put(top);
		return -ENOMEM;
	}
	for (size_t i = 0; i < total; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *f;
		const char *name = NULL, *status = NULL;

		if (json_object_object_get_ex(e, "node", &f))
			name = json_object_get_string(f);
		if (json_object_object_get_ex(e, "status", &f))
			status = json_object_get_string(f);
		if (!vp_api_node_name_ok(name)) {
			vp_api_nodes_free(v, k);
			json_object_put(top);
			*err = xasprintf("GET /nodes: entry %zu has no valid node name",
					 i);
			return -EBADMSG;
		}
		v[k].node = strdup(name);
		v[k].online = status && streq(status, "online");
		if (!v[k++].node) {
			vp_api_nodes_free(v, k);
			json_object_put(top);
			return -ENOMEM;
		}
	}
	json_object_put(top);
	qsort(v, k, sizeof(*v), cmp_node);
	*out = v;
	*n = k;
	return 0;
}

/* "0x10de" (SysFSTools reads sysfs as is) or "10de": a 16-bit id, else -1. */
static long hex_id(struct json_object *e, const char *key, unsigned long max)
{
	struct json_object *f;
	const char *s;
	char *end;
	unsigned long v;

	if (!json_object_object_get_ex(e, key, &f) ||
	    !json_object_is_type(f, json_type_string))
		return -1;
	s = json_object_get_string(f);
	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	if (!*s || strspn(s, "0123456789abcdefABCDEF") != strlen(s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 16);
	return errno || v > max ? -1 : (long)v;
}

static char *str_or_null(struct json_object *e, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(e, key, &f) ||
	    !json_object_is_type(f, json_type_string))
		return NULL;
	return strdup(json_object_get_string(f));
}

static int cmp_devp(const void *a, const void *b)
{
	return vp_bdf_cmp(&(*(struct vp_dev *const *)a)->bdf,
			  &(*(struct vp_dev *const *)b)->bdf);
}

int vp_api_pci_parse(const char *json, size_t len, struct vp_host **out, char **err)
{
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	struct json_object *top, *arr;
	size_t total;
	int r = 0;

	*out = NULL;
	*err = NULL;
	r = parse_list(json, len, "PCI functions", &top, &arr, err);
	if (r < 0)
		return r;
	total = json_object_array_length(arr);
	h = calloc(1, sizeof(*h));
	if (h)
		h->devs = calloc(total ? total : 1, sizeof(*h->devs));
	if (!h || !h->devs) {
		json_object_put(top);
		return -ENOMEM;
	}
	for (size_t i = 0; i < total && r == 0; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *f;
		long ven = hex_id(e, "vendor", 0xffff), dev = hex_id(e, "device", 0xffff);
		long cls = hex_id(e, "class", 0xffffff);
		long sv = hex_id(e, "subsystem_vendor", 0xffff);
		long sd = hex_id(e, "subsystem_device", 0xffff);
		const char *id = NULL;
		struct vp_dev *d;

		if (json_object_object_get_ex(e, "id", &f) &&
		    json_object_is_type(f, json_type_string))
			id = json_object_get_string(f);
		d = calloc(1, sizeof(*d));
		if (!d) {
			r = -ENOMEM;
			break;
		}
		h->devs[h->ndevs++] = d;
		if (!id || vp_bdf_parse(id, &d->bdf, NULL, false) < 0 || ven < 0 ||
		    dev < 0 ||
		    snprintf(d->addr, sizeof(d->addr), "%04x:%02x:%02x.%x", d->bdf.domain,
			     d->bdf.bus, d->bdf.dev, d->bdf.fn) >= (int)sizeof(d->addr)) {
			*err = xasprintf("entry %zu: no valid id, vendor and device", i);
			r = -EBADMSG;
			break;
		}
		d->vendor = (uint16_t)ven;
		d->device = (uint16_t)dev;
		d->subvendor = sv < 0 ? 0 : (uint16_t)sv;
		d->subdevice = sd < 0 ? 0 : (uint16_t)sd;
		d->class = cls < 0 ? 0 : (uint32_t)cls;
		d->kind = vp_kind_of_class(d->class);
		d->is_bridge = d->class >> 16 == 0x06 && ((d->class >> 8) & 0xff) == 0x04;
		d->iommu_group = -1;
		if (json_object_object_get_ex(e, "iommugroup", &f))
			d->iommu_group =
				json_object_get_int(f) >= 0 ? json_object_get_int(f) : -1;
		d->numa_node = -1;
		d->boot_vga = -1;
		d->d3cold_allowed = -1;
		d->vendor_name = str_or_null(e, "vendor_name");
		d->device_name = str_or_null(e, "device_name");
	}
	json_object_put(top);
	if (r < 0)
		return r;
	qsort(h->devs, h->ndevs, sizeof(*h->devs), cmp_devp);
	for (size_t i = 1; i < h->ndevs; i++)
		if (vp_bdf_cmp(&h->devs[i - 1]->bdf, &h->devs[i]->bdf) == 0) {
			*err = xasprintf("%s is listed twice", h->devs[i]->addr);
			return -EBADMSG;
		}
	*out = TAKE_PTR(h);
	return 0;
}

int vp_api_node_pci(const struct vp_api *api, const char *node, struct vp_host **out,
		    char **err)
{
	const char *const extra[] = { "--pci-class-blacklist", "", NULL };
	_cleanup_free_ char *json = NULL, *rel = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	*err = NULL;
	if (!vp_api_node_name_ok(node)) {
		*err = xasprintf("'%s' is not a node name", node);
		return -EINVAL;
	}
	rel = xasprintf("nodes/%s/hardware/pci", node);
	if (!rel)
		return -ENOMEM;
	r = api_get(api, rel, extra, &json, &len, err);
	if (r < 0)
		return r;
	return vp_api_pci_parse(json, len, out, err);
}

void vp_api_cluster_free(struct vp_api_host *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].node);
		vp_host_free(v[i].host);
		free(v[i].error);
	}
	free(v);
}

int vp_api_cluster(const struct vp_api *api, struct vp_api_host **out, size_t *n,
		   char **err)
{
	struct vp_api_node *nodes = NULL;
	struct vp_api_host *v;
	size_t nn = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = vp_api_nodes(api, &nodes, &nn, err);
	if (r < 0)
		return r;
	v = calloc(nn ? nn : 1, sizeof(*v));
	if (!v) {
		vp_api_nodes_free(nodes, nn);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nn; i++) {
		v[i].node = TAKE_PTR(nodes[i].node);
		v[i].online = nodes[i].online;
		if (!v[i].online) {
			v[i].error = strdup("offline (GET /nodes)");
			if (!v[i].error)
				r = -ENOMEM;
			continue;
		}
		r = vp_api_node_pci(api, v[i].node, &v[i].host, &v[i].error);
		if (r == -ENOMEM)
			break;
		if (r < 0 && !v[i].error)
			v[i].error = strdup(strerror(-r));
		r = 0;
	}
	vp_api_nodes_free(nodes, nn);
	if (r < 0) {
		vp_api_cluster_free(v, nn);
		return r;
	}
	*out = v;
	*n = nn;
	return 0;
}

bool vp_api_storage_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > 64 || !isalpha((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	/* ".." would be a path step in a recording: no storage id has it. */
	return !strstr(s, "..");
}

int vp_api_snippets(const struct vp_api *api, const char *node, const char *storage,
		    struct strv *volids, char **err)
{
	const char *const extra[] = { "--content", "snippets", NULL };
	_cleanup_free_ char *json = NULL, *rel = NULL;
	struct json_object *top, *arr;
	size_t len = 0;
	int r;

	*err = NULL;
	if (!vp_api_node_name_ok(node) || !vp_api_storage_id_ok(storage)) {
		*err = xasprintf("'%s' / '%s' is not a node and storage", node, storage);
		return -EINVAL;
	}
	rel = xasprintf("nodes/%s/storage/%s/content", node, storage);
	if (!rel)
		return -ENOMEM;
	r = api_get(api, rel, extra, &json, &len, err);
	if (r < 0)
		return r;
	r = parse_list(json, len, "volumes", &top, &arr, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < json_object_array_length(arr); i++) {
		struct json_object *f;

		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "volid",
					      &f) &&
		    json_object_is_type(f, json_type_string))
			r = strv_add(volids, json_object_get_string(f));
	}
	json_object_put(top);
	return r;
}
