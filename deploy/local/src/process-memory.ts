/**
 * Node (V8) flags of each service process the launcher starts in the
 * `processes` layout, before the service's entry.
 *
 * `--max-semi-space-size=1` caps V8's young generation at a 1 MiB semi-space
 * (about 2 MiB in all) instead of letting it grow to 8–16 MiB a semi-space, as
 * it does in every service during its start (parsing etcd's and gRPC's protos
 * allocates fast) and then keeps while it idles: measured with
 * `npm run bench -- memory`, 14 MiB less per service (29 MiB the frontend).
 * A service's per-tick work allocates little, so more frequent scavenges cost
 * nothing measurable on an idle tick (`npm run bench -- system`, CPU per idle
 * tick); see deploy/local/README.md (Memory).
 */
export const serviceNodeFlags: readonly string[] = ['--max-semi-space-size=1'];

/**
 * glibc malloc settings of each service process the launcher starts in the
 * `processes` layout, unless the launcher's own environment sets them.
 *
 * `MALLOC_ARENA_MAX=2`: every thread that mallocs (V8's compiler and GC
 * workers, libuv's pool) would otherwise get an arena of its own that keeps
 * its freed memory; `MALLOC_TRIM_THRESHOLD_=131072` (glibc's own default, set
 * so that it stays fixed) gives freed memory back to the system instead of
 * letting glibc raise the threshold after the first large free. Together,
 * 3–8 MiB less per service (`npm run bench -- memory`).
 */
export const serviceMallocEnv: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
