// Apart from client.ts so that settings.ts (and the CLI's help with it) can show the default without loading ioredis.

/**
 * Tens of milliseconds: Redis answers a healthy command (the limiter's script included) in well under a millisecond
 * on a local network, so 50 ms is room for a busy node's event-loop pauses (a garbage collection) without a false
 * failure, and still short enough that a request during an outage is barely slower than usual.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 50;
