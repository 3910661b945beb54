#include "tests/unit/fakes/fake_vmcs.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vmx/vmcs.h"

/* Every encoding is below 0x8000 (SDM vol. 3C, appendix B). */
#define FIELDS 0x8000

static uint64_t fields[FIELDS];
static unsigned writes[FIELDS];

static unsigned slot(enum vmcs_field field)
{
	assert_true((unsigned)field < FIELDS);
	return (unsigned)field;
}

void fake_vmcs_reset(void)
{
	memset(fields, 0, sizeof(fields));
	memset(writes, 0, sizeof(writes));
}

void fake_vmcs_set(enum vmcs_field field, uint64_t value)
{
	fields[slot(field)] = value;
}

uint64_t fake_vmcs_get(enum vmcs_field field)
{
	return fields[slot(field)];
}

unsigned fake_vmcs_writes(enum vmcs_field field)
{
	return writes[slot(field)];
}

uint64_t vmcs_read(enum vmcs_field field)
{
	return fields[slot(field)];
}

void vmcs_write(enum vmcs_field field, uint64_t value)
{
	fields[slot(field)] = value;
	writes[slot(field)]++;
}

uint32_t vmcs_instruction_error(void)
{
	return (uint32_t)fields[VMCS_VM_INSTRUCTION_ERROR];
}

const char *vmcs_instruction_error_name(uint32_t err)
{
	return err ? "fake VM-instruction error" : "none";
}
