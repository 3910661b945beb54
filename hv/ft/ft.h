/*
 * Fault tolerance, the two roles of a pair (config ft.role):
 *  - primary: runs the guest, records, and streams the log to the backup
 *    over the logging channel; pauses the guest when too much log is
 *    unacknowledged, and releases what the backup acknowledged;
 *  - backup: receives the log, acknowledges each verified batch, and replays
 *    the guest in lockstep, checking every state hash against the primary's;
 *    it releases the batches both replayed and acknowledged.
 * Both exchange UDP heartbeats and say when the other falls silent.
 */
#ifndef FTV_FT_H
#define FTV_FT_H

struct hv_state;

/* Runs the guest in the configured role until the run is over. */
void ft_run(struct hv_state *hv);
/* The 'ft' console command. */
void ft_print_status(void);

#endif
