/* What every fuzz target here does on a broken property: name it, abort. */
#ifndef FTV_TESTS_FUZZ_CHECK_H
#define FTV_TESTS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static inline void fuzz_check(int ok, const char *fuzzer, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: %s\n", fuzzer, what);
		abort();
	}
}

/* A refusal's reason: present and NUL-terminated within its buffer. */
static inline int fuzz_said_why(const char *why, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (!why[i])
			return i > 0;
	return 0;
}

#endif
