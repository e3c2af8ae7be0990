/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The other nodes of a Proxmox cluster, through Proxmox's own API: pvesh on
 * a cluster node (pveproxy forwards /nodes/NODE/... to that node), or the
 * same answers recorded in a directory (--api DIR) for a snapshot, a fixture
 * or a host that is not this one.
 */
#pragma once

#include "host/host.h"

struct vp_api {
	/*
	 * Recorded answers: DIR/nodes.json, DIR/nodes/NODE/hardware/pci.json;
	 * NODE's pci.err instead holds what pvesh printed when the node did not
	 * answer. NULL: run pvesh (root "/" only).
	 */
	const char *dir;
	int timeout_s; /* per pvesh call; 0: 60 */
};

struct vp_api_node {
	char *node;
	bool online; /* the cluster's view (/nodes "status") */
};

/* GET /nodes (pve-manager API2/Nodes.pm): every node and whether it is online. */
int vp_api_nodes(const struct vp_api *api, struct vp_api_node **out, size_t *n,
		 char **err);
void vp_api_nodes_free(struct vp_api_node *v, size_t n);

/*
 * GET /nodes/NODE/hardware/pci --pci-class-blacklist '' (pve-manager
 * API2/Hardware/PCI.pm -> pve-common SysFSTools::lspci) as a host model with
 * what the API tells: address, ids, subsystem ids, class, IOMMU group,
 * names. Nothing else of a vp_dev is known (no driver, no config space).
 * On failure *err says why (pvesh's own words where it printed any).
 */
int vp_api_node_pci(const struct vp_api *api, const char *node, struct vp_host **out,
		    char **err);

/* The same from an API answer's bytes (tests, fuzzing). */
int vp_api_pci_parse(const char *json, size_t len, struct vp_host **out, char **err);

/* pve-node (pve-common JSONSchema.pm): ^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$ */
bool vp_api_node_name_ok(const char *s);

/* One node of the cluster as the API showed it. */
struct vp_api_host {
	char *node;
	bool online;
	struct vp_host *host; /* NULL when the node did not answer */
	char *error;	      /* why not: offline, or what pvesh said */
};

/*
 * Every node of GET /nodes, sorted by name, and the PCI functions of every
 * online one. A node that is offline or does not answer is in the list with
 * its reason, never left out. Fails only when the node list itself cannot be
 * had (*err says why).
 */
int vp_api_cluster(const struct vp_api *api, struct vp_api_host **out, size_t *n,
		   char **err);
void vp_api_cluster_free(struct vp_api_host *v, size_t n);

/*
 * GET /nodes/NODE/storage/STORAGE/content --content snippets (pve-manager
 * API2/Storage/Content.pm): the volids ("local:snippets/x.sh") of the
 * snippets that node sees on that storage.
 */
int vp_api_snippets(const struct vp_api *api, const char *node, const char *storage,
		    struct strv *volids, char **err);

/* pve-storage-id (pve-storage PVE/JSONSchema): ^[a-z][a-z0-9\-\_\.]*[a-z0-9]$, any case.
 */
bool vp_api_storage_id_ok(const char *s);
