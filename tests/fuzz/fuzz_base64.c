/*
 * libFuzzer target for base64 (hv/lib/base64.c). The input is taken two
 * ways. As bytes: encoding gives 4 * ceil(n / 3) characters of the
 * alphabet (padding only at the end) and decodes back to the same bytes.
 * As text: whatever decodes fits the room the header promises, and
 * re-encoding it gives the text back when the text is canonical (unused
 * low bits zero), or else text that decodes to the same bytes; what is
 * refused says why. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/lib/base64.h"
#include "tests/fuzz/fuzz_check.h"

static void check(int ok, const char *what)
{
	fuzz_check(ok, "fuzz_base64", what);
}

static void bytes_round_trip(const uint8_t *data, size_t size)
{
	size_t chars = (size + 2) / 3 * 4;
	char *text = malloc(chars + 1);
	uint8_t *back = malloc(chars / 4 * 3 + 1);
	char why[128];
	if (!text || !back)
		abort();
	check(base64_encode(data, size, text) == chars, "encoded length is not 4 * ceil(n / 3)");
	check(text[chars] == 0, "encoding not NUL-terminated");
	for (size_t i = 0; i < chars; i++)
		check(base64_char_value(text[i]) >= 0 || (text[i] == '=' && i + 2 >= chars),
		      "encoding holds a character outside the alphabet");
	long n = base64_decode(text, chars, back, why, sizeof(why));
	check(n == (long)size && memcmp(back, data, size) == 0, "bytes do not survive a round trip");
	free(back);
	free(text);
}

static void text_round_trip(const uint8_t *data, size_t size)
{
	/* Exactly the room the header asks for: ASan sees a write past it. */
	uint8_t *out = malloc(size / 4 * 3 + 1), *again = malloc(size / 4 * 3 + 1);
	char *text = malloc(size + 1);
	char why[128];
	if (!out || !again || !text)
		abort();
	long n = base64_decode((const char *)data, size, out, why, sizeof(why));
	if (n < 0) {
		check(fuzz_said_why(why, sizeof(why)), "refused without a reason");
	} else {
		check((size_t)n <= size / 4 * 3 && (size_t)n + 2 >= size / 4 * 3,
		      "decoded length does not match the text's");
		size_t chars = base64_encode(out, (size_t)n, text);
		check(chars == size, "re-encoding changes the length");
		if (memcmp(text, data, size) != 0) {
			/* Only a final group whose unused bits were not zero may differ. */
			check(size >= 4 && memcmp(text, data, size - 4) == 0,
			      "re-encoding differs before the last group");
			long m = base64_decode(text, chars, again, why, sizeof(why));
			check(m == n && memcmp(again, out, (size_t)n) == 0,
			      "re-encoded text decodes to other bytes");
		}
	}
	free(text);
	free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bytes_round_trip(data, size);
	text_round_trip(data, size);
	return 0;
}
