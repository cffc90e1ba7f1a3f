import type * as etcd from 'etcd3';

/** One change seen by a watch. Keys are relative to the simulation prefix. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The new JSON text (`undefined` for a delete). */
  readonly value: string | undefined;
  /** The revision of the change. */
  readonly modRevision: number;
  readonly createRevision: number;
}

/** Where a watch starts. */
export interface WatchOptions {
  /** The first revision to deliver; from the next write when absent. */
  readonly fromRevision?: number;
  /** Called when the watch fails for good (e.g. its start revision was compacted). */
  readonly onError?: (error: Error) => void;
}

/** A running watch. */
export interface WatchHandle {
  /** The revision of the last event delivered, or `undefined` before any. */
  lastRevision(): number | undefined;
  cancel(): Promise<void>;
}

/** Opens an etcd watch on `simPrefix + prefix` and converts its events. */
export async function openWatch(
  client: etcd.Etcd3,
  simPrefix: string,
  prefix: string,
  options: WatchOptions,
  onEvents: (events: WatchEvent[]) => void,
): Promise<WatchHandle> {
  const strip = Buffer.byteLength(simPrefix);
  let builder = client.watch().prefix(simPrefix + prefix);
  if (options.fromRevision !== undefined)
    builder = builder.startRevision(String(options.fromRevision));
  let last: number | undefined;
  const watcher = await builder.create();
  watcher.on('data', (res: etcd.IWatchResponse) => {
    if (res.events.length === 0) return;
    const events = res.events.map((e): WatchEvent => ({
      type: e.type === 'Put' ? 'put' : 'delete',
      key: e.kv.key.subarray(strip).toString('utf8'),
      value: e.type === 'Put' ? e.kv.value.toString('utf8') : undefined,
      modRevision: Number(e.kv.mod_revision),
      createRevision: Number(e.kv.create_revision),
    }));
    last = events[events.length - 1]!.modRevision;
    onEvents(events);
  });
  watcher.on('error', (error: Error) => options.onError?.(error));
  // etcd3's cancel() never settles when called a second time; callers on
  // several shutdown paths may each cancel, so the first call is shared.
  let cancelled: Promise<void> | undefined;
  return {
    lastRevision: () => last,
    cancel: () => (cancelled ??= watcher.cancel()),
  };
}
