/*
 * ftvlog: reads ftvisor record/replay logs on the host, with the same codec
 * the hypervisor uses (hv/log_codec.c).
 *
 *   ftvlog print FILE            one line per event, batch boundaries marked
 *   ftvlog stats FILE            counts and encoded sizes by event type
 *   ftvlog diff A B              the first event where two logs differ
 *   ftvlog extract CONSOLE OUT   the base64 log block of a console capture
 *
 * FILE is the raw concatenation of batches. Exit status: 0 success (diff:
 * identical), 1 diff found a difference, 2 error (a bad log, bad usage).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/eventlog/log_codec.h"
#include "hv/eventlog/log_diff.h"
#include "tools/log_extract.h"

#define EXIT_DIFFERENT 1
#define EXIT_ERROR 2

/* ---- files ---- */

/* Reads a whole file into a malloc'd buffer; -1 after a message. */
static int read_whole(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ftvlog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		uint8_t *bigger = realloc(buf, cap);
		if (!bigger)
			free(buf);
		buf = bigger;
	}
	int failed = !buf || ferror(f);
	fclose(f);
	if (failed) {
		fprintf(stderr, "ftvlog: %s: %s\n", path, buf ? "read error" : "out of memory");
		free(buf);
		return -1;
	}
	*data = buf;
	*len = n;
	return 0;
}

static int write_whole(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "ftvlog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- decoding a whole log ---- */

struct batch_entry {
	struct log_batch_info info;
	size_t offset;
};

/* Every batch and event of a log, in order, up to the first error. */
struct decoded_log {
	struct ev *events;
	size_t nevents, events_cap;
	struct batch_entry *batches;
	size_t nbatches, batches_cap;
	size_t bytes;          /* bytes of the batches that decoded */
	char error[400];       /* empty when the whole file decoded */
};

static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	void *bigger = realloc(*array, n * elem);
	if (!bigger)
		return -1;
	*array = bigger;
	*cap = n;
	return 0;
}

/*
 * Reads batches through a log_reader until the end of the data or the
 * first error; d->error then names the batch, its offset and the codec's
 * reason. Returns 0 when everything decoded, -1 otherwise.
 */
static int decode_log(const char *name, const uint8_t *data, size_t len, struct decoded_log *d)
{
	struct log_reader r;
	size_t pos = 0;
	memset(d, 0, sizeof(*d));
	log_reader_init(&r);
	while (pos < len) {
		struct log_batch_info info;
		char why[300];
		enum log_error err = log_reader_next(&r, data + pos, len - pos, &info, NULL, 0, why,
						     sizeof(why));
		if (err != LOG_OK) {
			const char *hint = err == LOG_ERR_SHORT ? " (the file ends inside it)" : "";
			snprintf(d->error, sizeof(d->error), "%s: batch #%zu at offset %zu: %s%s", name,
				 d->nbatches, pos, why, hint);
			return -1;
		}
		if (grow((void **)&d->events, &d->events_cap, d->nevents + info.nevents,
			 sizeof(*d->events)) ||
		    grow((void **)&d->batches, &d->batches_cap, d->nbatches + 1, sizeof(*d->batches))) {
			snprintf(d->error, sizeof(d->error), "%s: out of memory", name);
			return -1;
		}
		/* The reader validated the batch; this pass only stores the events. */
		log_batch_decode(data + pos, info.size, &info, d->events + d->nevents, info.nevents,
				 NULL, 0);
		d->batches[d->nbatches].info = info;
		d->batches[d->nbatches].offset = pos;
		d->nbatches++;
		d->nevents += info.nevents;
		pos += info.size;
		d->bytes = pos;
	}
	return 0;
}

static void decoded_free(struct decoded_log *d)
{
	free(d->events);
	free(d->batches);
}

/* Reads and decodes a log file; -1 after a message (the file unreadable or
 * the log damaged; what decoded before the damage stays in *d). */
static int load_log(const char *path, struct decoded_log *d)
{
	uint8_t *data;
	size_t len;
	memset(d, 0, sizeof(*d));
	if (read_whole(path, &data, &len))
		return -1;
	int rc = decode_log(path, data, len, d);
	free(data);
	if (rc)
		fprintf(stderr, "ftvlog: %s\n", d->error);
	return rc;
}

/* ---- print ---- */

static int cmd_print(const char *path)
{
	struct decoded_log d;
	int rc = load_log(path, &d);
	for (size_t b = 0; b < d.nbatches; b++) {
		const struct batch_entry *be = &d.batches[b];
		const struct log_batch_info *info = &be->info;
		printf("--- batch %llu at offset %zu: %u events", (unsigned long long)info->seq,
		       be->offset, (unsigned)info->nevents);
		if (info->nevents)
			printf(" (#%llu..#%llu)", (unsigned long long)info->first_event,
			       (unsigned long long)(info->first_event + info->nevents - 1));
		printf(", %zu bytes\n", info->size);
		for (uint32_t i = 0; i < info->nevents; i++) {
			char line[200];
			uint64_t index = info->first_event + i;
			ev_describe(&d.events[index], index, line, sizeof(line));
			printf("%s\n", line);
		}
	}
	decoded_free(&d);
	return rc ? EXIT_ERROR : 0;
}

/* ---- stats ---- */

/*
 * The encoded size of each event of one batch, found by encoding the
 * batch again: the encoding is canonical, so the sizes are those in the
 * file. 'scratch' holds the largest possible batch.
 */
static void event_sizes(const struct batch_entry *be, const struct ev *events, uint8_t *scratch,
			size_t *sizes)
{
	struct log_encoder e;
	log_encoder_start(&e, scratch, LOG_BATCH_HEADER_SIZE + LOG_BATCH_MAX_PAYLOAD,
			  be->info.seq, be->info.first_event);
	for (uint32_t i = 0; i < be->info.nevents; i++) {
		size_t before = e.len;
		log_encoder_add(&e, &events[i]);
		sizes[i] = e.len - before;
	}
}

static int cmd_stats(const char *path)
{
	struct decoded_log d;
	if (load_log(path, &d)) {
		decoded_free(&d);
		return EXIT_ERROR;
	}
	uint64_t count[EV_TYPE_COUNT] = { 0 }, bytes[EV_TYPE_COUNT] = { 0 };
	uint8_t *scratch = malloc(LOG_BATCH_HEADER_SIZE + LOG_BATCH_MAX_PAYLOAD);
	size_t *sizes = malloc((LOG_BATCH_MAX_PAYLOAD / LOG_EVENT_MIN_SIZE) * sizeof(*sizes));
	if (!scratch || !sizes) {
		fprintf(stderr, "ftvlog: out of memory\n");
		free(scratch);
		free(sizes);
		decoded_free(&d);
		return EXIT_ERROR;
	}
	for (size_t b = 0; b < d.nbatches; b++) {
		const struct batch_entry *be = &d.batches[b];
		const struct ev *events = d.events + be->info.first_event;
		event_sizes(be, events, scratch, sizes);
		for (uint32_t i = 0; i < be->info.nevents; i++) {
			count[events[i].type]++;
			bytes[events[i].type] += sizes[i];
		}
	}
	free(sizes);
	free(scratch);

	uint64_t header_bytes = (uint64_t)d.nbatches * LOG_BATCH_HEADER_SIZE;
	printf("%s: %zu batches, %zu events, %zu bytes (%llu in batch headers, %llu in events)\n",
	       path, d.nbatches, d.nevents, d.bytes, (unsigned long long)header_bytes,
	       (unsigned long long)(d.bytes - header_bytes));
	if (d.nevents)
		printf("%-8s %12s %14s %12s\n", "type", "events", "bytes", "bytes/event");
	for (unsigned t = 1; t < EV_TYPE_COUNT; t++) {
		if (!count[t])
			continue;
		printf("%-8s %12llu %14llu %12.2f\n", ev_type_name(t), (unsigned long long)count[t],
		       (unsigned long long)bytes[t], (double)bytes[t] / (double)count[t]);
	}
	if (d.nbatches)
		printf("per batch: %.1f events, %.1f bytes on average\n",
		       (double)d.nevents / (double)d.nbatches, (double)d.bytes / (double)d.nbatches);
	if (count[EV_INTR])
		printf("per interrupt: %.2f bytes encoded, %.1f bytes of log in total "
		       "(all events and headers)\n",
		       (double)bytes[EV_INTR] / (double)count[EV_INTR],
		       (double)d.bytes / (double)count[EV_INTR]);
	else
		printf("per interrupt: no interrupts in this log\n");
	decoded_free(&d);
	return 0;
}

/* ---- diff ---- */

static void print_event(const char *label, const struct ev *ev, size_t index)
{
	char line[200];
	ev_describe(ev, index, line, sizeof(line));
	printf("  %s: %s\n", label, line);
}

static int cmd_diff(const char *path_a, const char *path_b)
{
	struct decoded_log a, b;
	int bad_a = load_log(path_a, &a);
	int bad_b = load_log(path_b, &b);
	if (bad_a || bad_b) {
		decoded_free(&a);
		decoded_free(&b);
		return EXIT_ERROR;
	}
	size_t i = log_first_difference(a.events, a.nevents, b.events, b.nevents);
	int status = EXIT_DIFFERENT;
	if (i < a.nevents && i < b.nevents) {
		printf("logs differ at event #%zu:\n", i);
		print_event(path_a, &a.events[i], i);
		print_event(path_b, &b.events[i], i);
	} else if (a.nevents == b.nevents) {
		printf("identical (%zu events)\n", a.nevents);
		status = 0;
	} else {
		const struct decoded_log *longer = a.nevents > b.nevents ? &a : &b;
		printf("%s (%zu events) is a prefix of %s (%zu events), which continues with:\n",
		       longer == &a ? path_b : path_a, i, longer == &a ? path_a : path_b,
		       longer->nevents);
		print_event(longer == &a ? path_a : path_b, &longer->events[i], i);
	}
	decoded_free(&a);
	decoded_free(&b);
	return status;
}

/* ---- extract ---- */

static int cmd_extract(const char *console, const char *out_path)
{
	uint8_t *text;
	size_t len;
	char why[300];
	if (read_whole(console, &text, &len))
		return EXIT_ERROR;
	char *b64 = malloc(LOG_EXTRACT_SCRATCH(len));
	uint8_t *bin = malloc(LOG_EXTRACT_OUT(len));
	long nbin = -1;
	if (b64 && bin)
		nbin = log_extract((const char *)text, len, b64, bin, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "out of memory");
	free(b64);
	free(text);
	if (nbin < 0) {
		fprintf(stderr, "ftvlog: %s: %s\n", console, why);
		free(bin);
		return EXIT_ERROR;
	}

	/* Written even if damaged, so the bytes can be looked at; the exit
	 * status still says whether it is a good log. */
	struct decoded_log d;
	int rc = 0;
	memset(&d, 0, sizeof(d));
	if (write_whole(out_path, bin, (size_t)nbin)) {
		rc = EXIT_ERROR;
	} else if (decode_log(out_path, bin, (size_t)nbin, &d)) {
		fprintf(stderr, "ftvlog: %s\n", d.error);
		rc = EXIT_ERROR;
	} else {
		printf("%s: %ld bytes, %zu batches, %zu events\n", out_path, nbin, d.nbatches,
		       d.nevents);
	}
	decoded_free(&d);
	free(bin);
	return rc;
}

/* ---- main ---- */

static int usage(void)
{
	fprintf(stderr,
		"usage: ftvlog print FILE            one line per event\n"
		"       ftvlog stats FILE            counts and encoded sizes by event type\n"
		"       ftvlog diff A B              first differing event (exit 0 same, 1 differ)\n"
		"       ftvlog extract CONSOLE OUT   the first log block of a console capture\n");
	return EXIT_ERROR;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "print") == 0)
		return cmd_print(argv[2]);
	if (argc == 3 && strcmp(argv[1], "stats") == 0)
		return cmd_stats(argv[2]);
	if (argc == 4 && strcmp(argv[1], "diff") == 0)
		return cmd_diff(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "extract") == 0)
		return cmd_extract(argv[2], argv[3]);
	return usage();
}
