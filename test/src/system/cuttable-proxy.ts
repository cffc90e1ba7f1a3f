import { freePortRun } from '@chamber/testing';
import net from 'node:net';

/**
 * A TCP proxy in front of etcd whose connections can be cut (and new ones
 * refused) and later allowed again: one process losing etcd while the rest
 * of the world goes on.
 */
export async function cuttableProxy(target: URL) {
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
        client.pipe(upstream).pipe(client);
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
