"""Sound sources. Each gives the samples for any stretch [start, start + n) of the session,
as a pure function of the absolute sample index, so output never depends on block size."""
