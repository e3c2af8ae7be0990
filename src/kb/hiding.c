// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hiding the hypervisor from a guest's GPU driver, decided once.
 *
 * - Intel Arc's Windows driver checks the KVM signature and the CPUID
 *   hypervisor bit (leaf 1 ECX bit 31); only "-cpu ...,-hypervisor,kvm=off"
 *   in args clears both (kb rows with hide_hypervisor).
 * - NVIDIA's GeForce drivers before R465 stopped with Code 43 when they saw
 *   KVM; R465 (April 2021) allowed GeForce passthrough, so kvm=off is needed
 *   only for an older guest driver (code43_before_r465).
 * - Professional NVIDIA and AMD drivers never checked.
 */
#include "kb/kb.h"

enum vp_hiding vp_kb_hiding(const struct vp_kb_gpu *kb, int driver_version)
{
	if (!kb)
		return VP_HIDE_NONE;
	if (kb->hide_hypervisor)
		return VP_HIDE_KVM_HV;
	if (kb->cpuid_hiding)
		return VP_HIDE_KVM;
	if (kb->code43_before_r465 && driver_version > 0 &&
	    driver_version < VP_NV_VM_RELEASE)
		return VP_HIDE_KVM;
	return VP_HIDE_NONE;
}

bool vp_kb_hiding_possible(const struct vp_kb_gpu *kb)
{
	return vp_kb_hiding(kb, 1) != VP_HIDE_NONE;
}
