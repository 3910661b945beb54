/*
 * libFuzzer target for the net.bench sink's header (hv/bench/
 * netbench_header.c), which any peer reaching tcp/7500 writes. The input's
 * first 16 bytes are a header as received: whatever parses is within the
 * named limits, every stream position the sink computes from it fits in 64
 * bits, and writing it again gives back the same bytes. The same fields
 * written by a sender parse back to themselves exactly when within limits.
 * Any violation aborts.
 */
#include <stdint.h>
#include <string.h>

#include "hv/bench/netbench_header.h"
#include "hv/lib/le_bytes.h"
#include "tests/fuzz/fuzz_check.h"

#define PING_BYTES 16 /* what the sink adds per round trip */

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_netbench_header", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t raw[NETBENCH_HEADER_SIZE] = { 0 }, again[NETBENCH_HEADER_SIZE];
	struct netbench_header h;
	char why[128];
	memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
	if (size >= 1 && (data[0] & 1))
		memcpy(raw, "NBCH", 4); /* past the magic, to the counts */
	if (netbench_header_parse(raw, &h, why, sizeof(why)) == 0) {
		uint64_t end;
		check(h.bulk <= NETBENCH_MAX_BULK && h.rounds <= NETBENCH_MAX_ROUNDS,
		      "accepted counts beyond the limits");
		check(!__builtin_add_overflow((uint64_t)NETBENCH_HEADER_SIZE, h.bulk, &end) &&
			      !__builtin_add_overflow(end, (uint64_t)h.rounds * PING_BYTES, &end),
		      "the sink's stream end wraps");
		netbench_header_write(&h, again);
		check(memcmp(raw, again, sizeof(raw)) == 0, "the header does not write back");
	} else {
		check(fuzz_said_why(why, sizeof(why)), "refused without a reason");
	}

	struct netbench_header sent = { (uint32_t)get_le(raw + 4, 4), get_le(raw + 8, 8) }, got;
	netbench_header_write(&sent, again);
	int ok = netbench_header_parse(again, &got, why, sizeof(why)) == 0;
	int within = sent.bulk <= NETBENCH_MAX_BULK && sent.rounds <= NETBENCH_MAX_ROUNDS;
	check(ok == within, "a written header is refused within the limits or taken beyond");
	check(!ok || (got.bulk == sent.bulk && got.rounds == sent.rounds),
	      "a written header parses to other counts");
	return 0;
}
