#include "hv/vmx/vmcs.h"

#include "hv/lib/stop.h"
#include "arch/x86_64/vmx_ops.h"

uint64_t vmcs_read(enum vmcs_field field)
{
	uint64_t v = 0;
	int rc = vmread(field, &v);
	if (rc != VMX_OK)
		panic("VMREAD of field 0x%04x failed (%d)", (unsigned)field, rc);
	return v;
}

void vmcs_write(enum vmcs_field field, uint64_t value)
{
	int rc = vmwrite(field, value);
	if (rc != VMX_OK)
		panic("VMWRITE of 0x%llx to field 0x%04x failed (VM-instruction error %u: %s)",
		      (unsigned long long)value, (unsigned)field, vmcs_instruction_error(),
		      vmcs_instruction_error_name(vmcs_instruction_error()));
}

uint32_t vmcs_instruction_error(void)
{
	uint64_t v = 0;
	if (vmread(VMCS_VM_INSTRUCTION_ERROR, &v) != VMX_OK)
		return 0;
	return (uint32_t)v;
}

/* SDM vol. 3C, 30.4 "VM instruction error numbers". */
static const char *const vm_instruction_errors[] = {
	[1] = "VMCALL in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmcs_instruction_error_name(uint32_t err)
{
	if (err < sizeof(vm_instruction_errors) / sizeof(vm_instruction_errors[0]) &&
	    vm_instruction_errors[err])
		return vm_instruction_errors[err];
	return "unknown";
}
