#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host
short_description: Set a Proxmox VE host up for PCI passthrough with vfio-pilot
description:
  - Runs C(vfio-pilot host plan --json) and, unless in check mode, C(vfio-pilot host apply
    --json) when the plan changes something; the kernel command line, vfio-pci ids or
    overrides, softdeps, C(/etc/modules) and the initramfs (docs/host-setup.md).
  - Idempotent by construction - a plan without edits or commands reports
    C(changed=false) and nothing is applied.
  - Check mode shows the plan; C(--diff) shows each file's diff and the commands.
  - A plan with refusals (a device the host needs, a shared group) fails, with the
    refusals in C(msg).
  - Apply needs root (C(become=true)); it writes with a backup and an undo record
    (C(vfio-pilot undo ID)).
version_added: "0.1.0"
options:
  root:
    description: The host's tree (vfio-pilot C(--root)); commands run only when it is C(/).
    type: path
    default: /
  binary:
    description: The vfio-pilot program, a name looked up in PATH or an absolute path.
    type: str
    default: vfio-pilot
  devices:
    description: The devices to give to vfio-pci (C(0000:01:00.0), C(01:00.0) or C(01:00));
      default the candidate GPUs.
    type: list
    elements: str
    default: []
  include_group:
    description: Also give every endpoint of this device's IOMMU group.
    type: list
    elements: str
    default: []
  take_host_device:
    description: Allow a device the host needs (console, network, root disk).
    type: bool
    default: false
  acs_override:
    description: Add pcie_acs_override (a security trade-off; see docs/host-setup.md).
    type: bool
    default: false
  unsafe_interrupts:
    description: Allow unsafe interrupts (no interrupt remapping).
    type: bool
    default: false
  fb_off:
    description: Turn the boot framebuffer off (for a boot VGA target).
    type: bool
    default: false
  disable_idle_d3:
    description: vfio-pci disable_idle_d3.
    type: bool
    default: false
  ignore_msrs:
    description: kvm ignore_msrs.
    type: bool
    default: false
  adopt:
    description: Take over settings written by hand for the same devices.
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
- name: Give the GPU at 01:00 to vfio-pci
  become: true
  vfio_pilot.proxmox.host:
    devices: ["01:00"]
  notify: reboot
"""

RETURN = r"""
plan:
  description: The plan document (docs/json.md, "Plan documents") of the plan, or of the
    apply when one ran.
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
  description: The undo record of the apply (C(vfio-pilot undo ID)); null when nothing was
    written.
  returned: always
  type: str
rc:
  description: vfio-pilot's exit status.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfio_pilot.proxmox.plugins.module_utils.vfio_pilot import (
    COMMON_ARGS, VfioPilot, addresses, flags, plan_apply)

FLAGS = ["take_host_device", "acs_override", "unsafe_interrupts", "fb_off",
         "disable_idle_d3", "ignore_msrs", "adopt"]


def main():
    spec = dict(COMMON_ARGS, devices=dict(type="list", elements="str", default=[]),
                include_group=dict(type="list", elements="str", default=[]),
                **{f: dict(type="bool", default=False) for f in FLAGS})
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    vp = VfioPilot(module)
    args = addresses(module, "devices")
    args += addresses(module, "include_group", "--include-group")
    plan_apply(module, vp, "host", args + flags(module, FLAGS))


if __name__ == "__main__":
    main()
