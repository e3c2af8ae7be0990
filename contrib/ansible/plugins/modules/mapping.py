#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mapping
short_description: A Proxmox VE cluster PCI resource mapping, planned by vfio-pilot
description:
  - Runs C(vfio-pilot mapping plan NAME --json) and, unless in check mode,
    C(vfio-pilot mapping apply NAME --json) when the plan changes something - one map line
    per device per node whose hardware matches, in C(/etc/pve/mapping/pci.cfg)
    (docs/containers-hooks-mappings.md). Several devices make a pool.
  - The first node is I(root); each of I(hosts) is another node's tree (a snapshot or
    fixture). The file is written into the first node's tree only - the cluster
    filesystem shares it.
  - Idempotent by construction - map lines already there are kept, and a plan without
    edits reports C(changed=false).
  - A node whose hardware does not match is refused, and the task fails with the refusals
    in C(msg).
version_added: "0.1.0"
options:
  root:
    description: The first node's tree (vfio-pilot C(--root)).
    type: path
    default: /
  binary:
    description: The vfio-pilot program, a name looked up in PATH or an absolute path.
    type: str
    default: vfio-pilot
  name:
    description: The mapping id (a letter, then letters, digits, C(-) or C(_)).
    type: str
    required: true
  devices:
    description: The devices on the first node (C(01:00) maps every function).
    type: list
    elements: str
    required: true
  hosts:
    description: Other nodes' trees, each with its C(etc/hostname).
    type: list
    elements: path
    default: []
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author: vfio-pilot maintainers
"""

EXAMPLES = r"""
- name: One mapping for the GPU on this node and a second node's snapshot
  become: true
  vfio_pilot.proxmox.mapping:
    name: rtx4090
    devices: ["01:00"]
    hosts: [/srv/snapshots/pve2]
"""

RETURN = r"""
plan:
  description: The plan document (docs/json.md, "Plan documents").
  returned: always
  type: dict
notes:
  description: vfio-pilot's notes on the plan.
  returned: always
  type: list
  elements: str
refusals:
  description: Why vfio-pilot will not make this change (the task fails when any).
  returned: always
  type: list
  elements: str
undo_id:
  description: The undo record of the apply; null when nothing was written.
  returned: always
  type: str
rc:
  description: vfio-pilot's exit status.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfio_pilot.proxmox.plugins.module_utils.vfio_pilot import (
    COMMON_ARGS, CONFIGID, VfioPilot, addresses, plan_apply)


def main():
    spec = dict(COMMON_ARGS, name=dict(type="str", required=True),
                devices=dict(type="list", elements="str", required=True),
                hosts=dict(type="list", elements="path", default=[]))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    if not CONFIGID.match(p["name"]):
        module.fail_json(msg="%r is not a mapping id (a letter, then letters, digits, "
                             "- or _)" % p["name"])
    if not p["devices"]:
        module.fail_json(msg="devices: give at least one")
    vp = VfioPilot(module)
    args = [p["name"]] + addresses(module, "devices") + ["--host=" + h for h in p["hosts"]]
    plan_apply(module, vp, "mapping", args)


if __name__ == "__main__":
    main()
