/*
 * ft.bench_mb: the logging channel measured without a guest, so it runs
 * where VT-x does not (QEMU). Both servers boot with their ft.role; the
 * primary encodes ft.bench_mb MiB of synthetic log (synth_log.h) into real
 * batches and streams them over the real channel (HELLO/WELCOME, BATCH,
 * cumulative ACKs); the backup verifies and acknowledges each batch as in
 * a live run and reads the events back, but replays nothing. Then the
 * primary times one small batch at a time against its ACK, and ends the
 * log with a STOP event. Each side prints its figures.
 */
#ifndef FTV_FT_BENCH_H
#define FTV_FT_BENCH_H

struct hv_state;

/* Needs the network up (net_init) and ft.role set; stops ftvisor when the
 * config cannot run it. */
void ft_bench(struct hv_state *hv);

#endif
