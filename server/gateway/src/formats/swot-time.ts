/** SWOT's time origin: times are seconds since 2000-01-01T00:00:00 UTC (here in milliseconds since 1970). */
export const SWOT_EPOCH_MS = Date.UTC(2000, 0, 1);
