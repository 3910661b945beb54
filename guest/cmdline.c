#include "cmdline.h"
#include "codes.h"
#include "guest_abi.h"
#include "report.h"

#define DEFAULT_TICKS 20
#define MAX_TICKS 100000u       /* keeps the wait bounded and n * 10 from overflowing */

static const struct {
	const char *name;
	enum guest_test test;
} tests[] = {
	{ "all", TEST_ALL },
	{ "fail", TEST_FAIL },
	{ "triple", TEST_TRIPLE },
	{ "badmsr", TEST_BADMSR },
	{ "replay", TEST_REPLAY },
	{ "compute", TEST_COMPUTE },
};

/* True if the word [w, end) is exactly s. */
static int word_is(const char *w, const char *end, const char *s)
{
	while (w < end && *s && *w == *s) {
		w++;
		s++;
	}
	return w == end && !*s;
}

/* True if the word starts with key; *value then points past it. */
static int has_key(const char *w, const char *end, const char *key,
		   const char **value)
{
	while (w < end && *key && *w == *key) {
		w++;
		key++;
	}
	if (*key)
		return 0;
	*value = w;
	return 1;
}

static enum guest_test parse_test(const char *v, const char *end)
{
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (word_is(v, end, tests[i].name))
			return tests[i].test;
	fail(CODE_CMDLINE, "unknown test in command line");
}

static uint32_t parse_ticks(const char *v, const char *end)
{
	uint32_t n = 0;

	if (v == end)
		fail(CODE_CMDLINE, "ticks= needs a number");
	for (; v < end; v++) {
		if (*v < '0' || *v > '9')
			fail(CODE_CMDLINE, "ticks= is not a decimal number");
		n = n * 10 + (uint32_t)(*v - '0');
		if (n > MAX_TICKS)
			fail(CODE_CMDLINE, "ticks= above %u", MAX_TICKS);
	}
	if (n == 0)
		fail(CODE_CMDLINE, "ticks= must be at least 1");
	return n;
}

struct guest_config cmdline_parse(const char *cmdline)
{
	struct guest_config cfg = { .test = TEST_ALL, .ticks = DEFAULT_TICKS };
	/* Never read past the buffer the hypervisor reserved. */
	const char *limit = cmdline + FTV_GUEST_CMDLINE_MAX;
	const char *p = cmdline;

	while (p < limit && *p) {
		const char *word, *value;

		if (*p == ' ') {
			p++;
			continue;
		}
		word = p;
		while (p < limit && *p && *p != ' ')
			p++;
		if (has_key(word, p, "test=", &value))
			cfg.test = parse_test(value, p);
		else if (has_key(word, p, "ticks=", &value))
			cfg.ticks = parse_ticks(value, p);
		else
			fail(CODE_CMDLINE, "unknown word in command line");
	}
	return cfg;
}
