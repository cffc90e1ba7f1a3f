import { ApiClient } from '@chamber/api';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontendProcess, type Child } from './processes.js';

const adminPassword = 'correct horse battery staple';
/** gRPC addresses where nothing listens (port 1 is reserved): no simulation is needed here. */
const nowhere = { stepper: '127.0.0.1:1', inventory: '127.0.0.1:1', faults: '127.0.0.1:1' };

let child: Child | undefined;
afterEach(async () => {
  await child?.kill('SIGTERM');
  child = undefined;
});

describe('the frontend as a process', () => {
  it('issues tokens of 90 days and more, and sessions, with no TimeoutOverflowWarning in its output', async () => {
    child = startFrontendProcess({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('frontend-process'),
      port: 0,
      adminPassword,
      services: nowhere,
    });
    const serving = JSON.parse(await child.waitForLine(/"frontend serving"/)) as { port: number };
    const baseUrl = `http://127.0.0.1:${serving.port}`;
    const login = await new ApiClient({ baseUrl }).call('logIn', {
      body: { user: 'admin', password: adminPassword },
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const admin = new ApiClient({ baseUrl, cookie });
    // The default lifetime (90 days) and the longest (10 years): a timer of
    // either (a lease kept alive every third of it) is past what Node's
    // timers can count, which Node warns of and fires at once.
    for (const body of [{ name: 'default' }, { name: 'longest', expiresInDays: 3650 }]) {
      const made = await admin.call<{ token: string }>('createToken', { body });
      const script = new ApiClient({ baseUrl, token: made.body.token });
      expect((await script.call<{ via: string }>('getCurrentSession')).body.via).toBe('token');
    }
    // Stopped, so that everything it printed (warnings go to stderr) is read.
    await child.kill('SIGTERM');
    expect(child.output()).toContain('bearer token created');
    expect(child.output()).not.toContain('TimeoutOverflowWarning');
  });
});
