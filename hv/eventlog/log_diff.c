#include "hv/eventlog/log_diff.h"

int ev_equal(const struct ev *a, const struct ev *b)
{
	return a->type == b->type && a->flag == b->flag && a->key == b->key &&
	       a->value == b->value && exec_point_equal(&a->at, &b->at);
}

size_t log_first_difference(const struct ev *a, size_t na, const struct ev *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	for (size_t i = 0; i < n; i++)
		if (!ev_equal(&a[i], &b[i]))
			return i;
	return n;
}
