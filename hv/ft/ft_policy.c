#include "hv/ft/ft_policy.h"

enum ft_resume ft_resume_at(uint64_t want, uint64_t oldest, uint64_t next)
{
	if (want > next)
		return FT_RESUME_AHEAD;
	return want < oldest ? FT_RESUME_RELEASED : FT_RESUME_OK;
}

uint64_t ft_backup_release_before(uint64_t read_seq, uint64_t acked_seq)
{
	return read_seq < acked_seq ? read_seq : acked_seq;
}

uint64_t ft_max_unacked_kb(uint64_t log_bytes)
{
	return log_bytes / 2 / 1024;
}

int ft_flush_due(struct ft_flush_clock *c, uint64_t seq, uint32_t nevents, uint64_t now_us,
		 uint64_t max_age_us)
{
	if (!nevents) {
		c->timing = 0;
		return 0;
	}
	if (!c->timing || c->seq != seq) {
		c->timing = 1;
		c->seq = seq;
		c->since_us = now_us;
	}
	return now_us - c->since_us >= max_age_us;
}
