#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vm
short_description: A Proxmox VE VM's PCI passthrough settings, planned by vfio-pilot
description:
  - Runs C(vfio-pilot vm plan VMID --json) and, unless in check mode, C(vfio-pilot vm apply
    VMID --json) when the plan changes something - hostpciN, q35, OVMF, vga, balloon,
    vendor CPU flags only where needed (docs/vm.md).
  - On C(/) the change is a C(qm set) command; under another I(root) an edit of
    C(/etc/pve/qemu-server/VMID.conf) with a backup and an undo record.
  - Idempotent by construction - a device already in a hostpci entry is left as it is,
    and a plan without edits or commands reports C(changed=false).
  - Refusals (a device the host needs, a running VM) fail the task, with the refusals in
    C(msg).
version_added: "0.1.0"
options:
  root:
    description: The host's tree (vfio-pilot C(--root)).
    type: path
    default: /
  binary:
    description: The vfio-pilot program, a name looked up in PATH or an absolute path.
    type: str
    default: vfio-pilot
  vmid:
    description: The VM.
    type: int
    required: true
  devices:
    description: The devices to pass through (C(01:00) means every function).
    type: list
    elements: str
    default: []
  mapping:
    description: A cluster resource mapping (C(mapping=NAME)) instead of addresses.
    type: str
  usb:
    description: USB devices (C(VID:PID), C(1-4.2), C(mapping=NAME)) or controllers.
    type: list
    elements: str
    default: []
  primary_gpu:
    description: The GPU is the VM's primary display (x-vga=1, vga none).
    type: bool
    default: false
  tune:
    description: Hugepages; numa and affinity for the GPU's node.
    type: bool
    default: false
  ovmf:
    description: Switch a SeaBIOS VM to OVMF (MBR guests stop booting).
    type: bool
    default: false
  qm:
    description: A C(qm set) command instead of the file edit (the default on C(/)).
    type: bool
    default: false
  driver_version:
    description: The guest's NVIDIA driver branch, like C(470) or C(550.54).
    type: str
  take_host_device:
    description: Allow a device the host needs.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author: vfio-pilot maintainers
"""

EXAMPLES = r"""
- name: Give VM 100 the GPU, UEFI
  become: true
  vfio_pilot.proxmox.vm:
    vmid: 100
    devices: ["01:00"]
    ovmf: true
"""

RETURN = r"""
plan:
  description: The plan document (docs/json.md, "Plan documents"), with C(vmid).
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
    COMMON_ARGS, CONFIGID, VfioPilot, addresses, flags, plan_apply)

FLAGS = ["primary_gpu", "tune", "ovmf", "qm", "take_host_device"]


def main():
    spec = dict(COMMON_ARGS, vmid=dict(type="int", required=True),
                devices=dict(type="list", elements="str", default=[]),
                mapping=dict(type="str"), usb=dict(type="list", elements="str", default=[]),
                driver_version=dict(type="str"),
                **{f: dict(type="bool", default=False) for f in FLAGS})
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                           required_one_of=[("devices", "mapping", "usb")])
    p = module.params
    if p["vmid"] < 100:
        module.fail_json(msg="vmid %d: a VM id is 100 or more" % p["vmid"])
    if p["mapping"] is not None and not CONFIGID.match(p["mapping"]):
        module.fail_json(msg="mapping %r is not a mapping id" % p["mapping"])
    vp = VfioPilot(module)
    args = [str(p["vmid"])] + addresses(module, "devices")
    if p["mapping"]:
        args.append("--mapping=" + p["mapping"])
    args += ["--usb=" + u for u in p["usb"]]
    if p["driver_version"]:
        args.append("--driver-version=" + p["driver_version"])
    plan_apply(module, vp, "vm", args + flags(module, FLAGS))


if __name__ == "__main__":
    main()
