/*
 * hv/hash64.c: the divergence-check hash. Determinism, sensitivity to the
 * seed, to every byte and to the length, the word-at-a-time loop against
 * hashing in pieces, the tail of 1..7 bytes, unaligned input (ASan and
 * UBSan watch every load; inputs live in heap buffers of their exact size,
 * so a read past the end is caught too) and the avalanche of hash64_final.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/hash64.h"

/* ---- helpers ---- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill(uint64_t *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(s);
}

/* A heap copy of exactly n bytes, so ASan sees any read past the end. */
static uint8_t *exact_copy(const void *data, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, data, n);
	return p;
}

/* One-shot hash of a heap copy of exactly n bytes. */
static uint64_t hash_exact(uint64_t seed, const void *data, size_t n)
{
	uint8_t *p = exact_copy(data, n);
	uint64_t h = hash64_final(hash64_update(seed, p, n));
	free(p);
	return h;
}

static int popcount64(uint64_t x)
{
	return __builtin_popcountll(x);
}

/* ---- tests ---- */

static void test_deterministic(void **state)
{
	(void)state;
	uint64_t rng = 1;
	uint8_t buf[300];
	fill(&rng, buf, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n += 7) {
		uint64_t a = hash_exact(HASH64_SEED, buf, n);
		uint64_t b = hash_exact(HASH64_SEED, buf, n);
		assert_int_equal(a, b);
		assert_int_equal(hash64_update(HASH64_SEED, buf, n),
				 hash64_update(HASH64_SEED, buf, n));
	}
	/* Nothing to hash leaves the state as it was. */
	assert_int_equal(hash64_update(HASH64_SEED, buf, 0), HASH64_SEED);
	assert_int_equal(hash64_update(12345, NULL, 0), 12345);
}

static void test_seeds_differ(void **state)
{
	(void)state;
	uint64_t rng = 2;
	uint8_t buf[64];
	fill(&rng, buf, sizeof(buf));
	size_t lens[] = { 0, 1, 7, 8, 9, 64 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint64_t seeds[] = { HASH64_SEED, HASH64_SEED ^ 1, 0, 1, UINT64_MAX, 0x8000000000000000ull };
		size_t ns = sizeof(seeds) / sizeof(seeds[0]);
		for (size_t a = 0; a < ns; a++)
			for (size_t b = a + 1; b < ns; b++)
				if (hash_exact(seeds[a], buf, lens[i]) == hash_exact(seeds[b], buf, lens[i]))
					fail_msg("seeds 0x%llx and 0x%llx agree on %zu bytes",
						 (unsigned long long)seeds[a],
						 (unsigned long long)seeds[b], lens[i]);
	}
}

static void test_inputs_differ(void **state)
{
	(void)state;
	uint64_t rng = 3;
	/* Random inputs of random lengths: no two hashes alike. */
	enum { N = 4000 };
	static uint64_t seen[N];
	for (size_t i = 0; i < N; i++) {
		uint8_t buf[40];
		fill(&rng, buf, sizeof(buf));
		seen[i] = hash_exact(HASH64_SEED, buf, 8 + rnd(&rng) % 32);
	}
	for (size_t i = 0; i < N; i++)
		for (size_t j = i + 1; j < N; j++)
			assert_true(seen[i] != seen[j]);

	/* One byte changed anywhere, to any other value. */
	uint8_t base[37], other[37];
	fill(&rng, base, sizeof(base));
	uint64_t h0 = hash_exact(HASH64_SEED, base, sizeof(base));
	for (size_t pos = 0; pos < sizeof(base); pos++)
		for (unsigned x = 1; x < 256; x++) {
			memcpy(other, base, sizeof(base));
			other[pos] ^= (uint8_t)x;
			if (hash_exact(HASH64_SEED, other, sizeof(other)) == h0)
				fail_msg("byte %zu xor 0x%02x does not change the hash", pos, x);
		}
}

static void test_tail_bytes(void **state)
{
	(void)state;
	uint64_t rng = 4;
	uint8_t base[40], other[40];
	/* Inputs that differ only in their last 1..7 bytes (a tail that is not
	 * a whole word), for every length of tail. */
	for (size_t n = 1; n <= sizeof(base); n++) {
		size_t tail = n % 8;
		if (!tail)
			continue;
		fill(&rng, base, n);
		uint64_t h0 = hash_exact(HASH64_SEED, base, n);
		for (size_t pos = n - tail; pos < n; pos++)
			for (unsigned bit = 0; bit < 8; bit++) {
				memcpy(other, base, n);
				other[pos] ^= (uint8_t)(1u << bit);
				if (hash_exact(HASH64_SEED, other, n) == h0)
					fail_msg("length %zu: bit %u of byte %zu is ignored", n, bit, pos);
			}
	}
}

static void test_length_matters(void **state)
{
	(void)state;
	/* Trailing zero bytes still count. */
	const uint8_t a[2] = { 'a', 0 };
	assert_true(hash_exact(HASH64_SEED, a, 1) != hash_exact(HASH64_SEED, a, 2));
	assert_true(hash_exact(HASH64_SEED, a, 0) != hash_exact(HASH64_SEED, a, 1));

	/* All-zero inputs of every length up to 64: all different, whole
	 * words included (8 zero bytes vs 16). */
	static const uint8_t zeros[64];
	uint64_t h[65];
	for (size_t n = 0; n <= 64; n++) {
		h[n] = hash_exact(HASH64_SEED, zeros, n);
		for (size_t m = 0; m < n; m++)
			if (h[m] == h[n])
				fail_msg("%zu and %zu zero bytes hash alike", m, n);
	}
	/* Also without hash64_final, as the state passed on. */
	for (size_t n = 1; n <= 16; n++)
		assert_true(hash64_update(HASH64_SEED, zeros, n) !=
			    hash64_update(HASH64_SEED, zeros, n - 1));

	/* A prefix and the whole: every length against every longer one. */
	uint64_t rng = 5;
	uint8_t buf[48];
	fill(&rng, buf, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n++)
		for (size_t m = n + 1; m <= sizeof(buf); m++)
			assert_true(hash_exact(HASH64_SEED, buf, n) != hash_exact(HASH64_SEED, buf, m));
}

static void test_pieces_equal_one_shot(void **state)
{
	(void)state;
	uint64_t rng = 6;
	enum { MAX = 1000 };
	uint8_t *buf = malloc(MAX);
	assert_non_null(buf);
	for (int round = 0; round < 2000; round++) {
		size_t n = rnd(&rng) % MAX;
		fill(&rng, buf, n);
		uint64_t whole = hash64_update(HASH64_SEED, buf, n);
		/* Pieces that are multiples of 8 bytes, the last one any size. */
		uint64_t h = HASH64_SEED;
		size_t off = 0;
		while (off < n) {
			size_t piece = 8 * (rnd(&rng) % 12);
			if (piece > n - off)
				piece = n - off;
			uint8_t *p = exact_copy(buf + off, piece);
			h = hash64_update(h, p, piece);
			free(p);
			off += piece;
		}
		if (h != whole)
			fail_msg("round %d, %zu bytes: pieces 0x%llx, one shot 0x%llx", round, n,
				 (unsigned long long)h, (unsigned long long)whole);
	}
	free(buf);
}

static void test_unaligned(void **state)
{
	(void)state;
	uint64_t rng = 7;
	uint8_t data[100];
	fill(&rng, data, sizeof(data));
	/* The same bytes at every alignment give the same hash. */
	uint8_t *big = malloc(sizeof(data) + 16);
	assert_non_null(big);
	for (size_t n = 0; n <= sizeof(data); n++) {
		uint64_t want = hash64_update(HASH64_SEED, data, n);
		for (size_t shift = 0; shift < 16; shift++) {
			memcpy(big + shift, data, n);
			assert_int_equal(hash64_update(HASH64_SEED, big + shift, n), want);
		}
		/* And at the very end of an exact-size allocation, unaligned. */
		uint8_t *p = malloc(n + 3);
		assert_non_null(p);
		memcpy(p + 3, data, n);
		assert_int_equal(hash64_update(HASH64_SEED, p + 3, n), want);
		free(p);
	}
	free(big);
}

static void test_final_avalanche(void **state)
{
	(void)state;
	uint64_t rng = 8;
	enum { SAMPLES = 400 };
	double overall = 0;
	for (unsigned bit = 0; bit < 64; bit++) {
		long changed = 0;
		for (unsigned i = 0; i < SAMPLES; i++) {
			uint64_t x = rnd(&rng);
			changed += popcount64(hash64_final(x) ^ hash64_final(x ^ (1ull << bit)));
		}
		double mean = (double)changed / SAMPLES;
		if (mean < 24 || mean > 40)
			fail_msg("input bit %u changes %.1f output bits on average", bit, mean);
		overall += mean;
	}
	overall /= 64;
	if (overall < 30 || overall > 34)
		fail_msg("one input bit changes %.2f output bits on average", overall);

	/* Each output bit flips about half the time too. */
	for (unsigned out = 0; out < 64; out++) {
		long flips = 0, total = 0;
		for (unsigned bit = 0; bit < 64; bit += 3)
			for (unsigned i = 0; i < 40; i++) {
				uint64_t x = rnd(&rng);
				flips += ((hash64_final(x) ^ hash64_final(x ^ (1ull << bit))) >> out) & 1;
				total++;
			}
		double share = (double)flips / (double)total;
		if (share < 0.35 || share > 0.65)
			fail_msg("output bit %u flips in %.2f of the cases", out, share);
	}
	/* Small states (near each other) give unrelated hashes. */
	assert_true(popcount64(hash64_final(0) ^ hash64_final(1)) > 10);
	assert_true(popcount64(hash64_final(1) ^ hash64_final(2)) > 10);
}

static void test_final_is_a_permutation_sample(void **state)
{
	(void)state;
	/* hash64_final is a bijection (xorshifts and odd multipliers): nearby
	 * states never collide; spot-check a dense range. */
	enum { N = 1 << 14 };
	uint64_t *h = malloc(N * sizeof(*h));
	assert_non_null(h);
	for (uint64_t i = 0; i < N; i++)
		h[i] = hash64_final(i);
	for (size_t i = 0; i < N; i++)
		for (size_t j = i + 1; j < i + 64 && j < N; j++)
			assert_true(h[i] != h[j]);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_seeds_differ),
		cmocka_unit_test(test_inputs_differ),
		cmocka_unit_test(test_tail_bytes),
		cmocka_unit_test(test_length_matters),
		cmocka_unit_test(test_pieces_equal_one_shot),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_final_avalanche),
		cmocka_unit_test(test_final_is_a_permutation_sample),
	};
	return cmocka_run_group_tests_name("hash64", tests, NULL, NULL);
}
