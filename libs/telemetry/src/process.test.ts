import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

// The built entry, as a service's main imports it.
const entry = new URL('../dist/src/index.js', import.meta.url).href;

// A test that failed leaves its fixture running (its port held): not beyond the test.
const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/**
 * A service process that holds a port, as a real one does (so only exiting
 * ends it), whose start says `starting` and then `started` (or never ends,
 * `isStuck`) and whose stop says `stopped`; started as the launcher starts
 * services: with an IPC channel. Resolves once it is started (or starting).
 */
async function serviceWithChannel(isStuck: boolean) {
  const script = `
    import net from 'node:net';
    import { runServiceProcess } from ${JSON.stringify(entry)};
    const server = net.createServer();
    await runServiceProcess(
      'fixture',
      () => ({ log: { level: 'silent' }, telemetry: { exporter: 'none', otlpEndpoint: '' } }),
      () => ({
        start: async () => {
          await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
          console.log('starting');
          if (${isStuck}) await new Promise(() => {});
        },
        stop: async () => {
          await new Promise((resolve) => server.close(resolve));
          console.log('stopped');
        },
      }),
    );
    console.log('started');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.push(child);
  let out = '';
  const waiting: Array<() => void> = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const check of waiting) check();
    });
  }
  const said = (marker: string) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (out.includes(marker)) resolve();
      };
      waiting.push(check);
      check();
    });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await said(isStuck ? 'starting' : 'started');
  return { child, exited, output: () => out };
}

describe('runServiceProcess', () => {
  it('stops the service and exits 0 when the channel from its parent closes', async () => {
    const service = await serviceWithChannel(false);
    // What the OS does when the launcher dies, however it dies.
    service.child.disconnect();
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('stopped');
  });

  it('exits 1 at once when the channel closes while the service is still starting', async () => {
    const service = await serviceWithChannel(true);
    service.child.disconnect();
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('fixture: the process that started it is gone; exiting');
    expect(service.output()).not.toContain('stopped');
  });
});
