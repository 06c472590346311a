/** The servers the throughput phase can load, by the names BENCH_TARGETS takes. */
export const TARGET_KEYS = ['emulator', 'emulator-auth-off', 'node-http', 'hono', 'naive', 'wiremock'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];
