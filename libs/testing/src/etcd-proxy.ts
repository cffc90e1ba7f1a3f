import net from 'node:net';
import { freePortRun } from './ports.js';

/** How an {@link etcdProxy} treats what passes through it. */
export interface EtcdProxyOptions {
  /**
   * Holds every chunk etcd sends back for this long before passing it on
   * (ms; default 0): a process whose answers and watch events come late,
   * as on a loaded machine, while its requests reach etcd at once.
   */
  readonly lagToClientMs?: number;
}

/**
 * A TCP proxy in front of etcd for one process: its connections can be cut
 * (and new ones refused) and later allowed again, one process losing etcd
 * while the rest of the world goes on; and what etcd sends it can be made
 * to arrive late.
 */
export async function etcdProxy(target: URL, options: EtcdProxyOptions = {}) {
  const lagMs = options.lagToClientMs ?? 0;
  const port = await freePortRun(1);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        sockets.add(client).add(upstream);
        const end = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const s of [client, upstream]) s.on('error', end).on('close', end);
        client.pipe(upstream);
        if (lagMs === 0) upstream.pipe(client);
        // Each chunk is held for `lagMs`; timers of one length fire in order.
        else upstream.on('data', (chunk: Buffer) => setTimeout(() => client.write(chunk), lagMs));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (server === undefined) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return { endpoint: `http://127.0.0.1:${port}`, cut, restore: listen };
}
