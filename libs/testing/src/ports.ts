import { isPortFree } from '@chamber/etcd-process';

// Linux hands out ports from 32768 up (ip_local_port_range) to every bind of
// port 0 and every outgoing connection on the machine. A port picked there
// can be taken by anyone between the check and the bind — another test run on
// a shared machine, say — so runs are picked below it, where only a process
// that names the port binds it.
const low = 10_000;
const high = 32_768;

/**
 * The first of `count` consecutive ports on 127.0.0.1 that are free now,
 * chosen at random below the ephemeral range, for a process that is told its
 * ports (etcd and HTTP where it is told); with `above`, in [above, 65000)
 * instead (the launcher places its gRPC services at one positive offset from
 * 50051: ask for them above the ephemeral range, from 61000, where no
 * outgoing connection takes one between the check and the bind). With
 * `alsoAt`, the runs that far above the first are free too (the launcher's
 * replicas and shards). Tries again until it finds a run.
 */
export async function freePortRun(
  count: number,
  above?: number,
  alsoAt: readonly number[] = [],
): Promise<number> {
  const [from, to] = above === undefined ? [low, high] : [above, 65_000];
  const span = Math.max(0, ...alsoAt) + count;
  for (;;) {
    const first = from + Math.floor(Math.random() * (to - from - span));
    const ports = [0, ...alsoAt].flatMap((at) =>
      Array.from({ length: count }, (_, i) => first + at + i),
    );
    const free = await Promise.all(ports.map(isPortFree));
    if (free.every(Boolean)) return first;
  }
}
