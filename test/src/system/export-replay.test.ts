import { ApiClient } from '@chamber/api';
import { parseScenario, runScenario, startFor } from '@chamber/scenario';
import { start, type StartedChamber } from '@chamber/sdk';
import { budgets } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';

// Record and replay (issue 19 §3): a run driven by hand over REST (faults,
// a clear and a clear-all, a command, a drained target, a workload), on a Chamber
// started as the launcher starts it (each service its own process), is
// exported as a scenario (GET /scenarios/export), and the file, run headless
// on a fresh Chamber of its own, ends at the digest the run had at that tick:
// the golden-digest expectation the export wrote holds.

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Starts a Chamber to stop after the test. */
async function started(run: () => Promise<StartedChamber>): Promise<StartedChamber> {
  const chamber = await run();
  cleanup.push(() => chamber.stop());
  return chamber;
}

/** A REST client logged in as the Chamber's admin. */
async function admin(chamber: StartedChamber): Promise<ApiClient> {
  const res = await new ApiClient({ baseUrl: chamber.url }).call('logIn', {
    body: { user: 'admin', password: chamber.adminPassword },
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  return new ApiClient({ baseUrl: chamber.url, cookie });
}

describe('a run driven over REST, exported as a scenario', () => {
  it(
    'replays headless on a fresh Chamber to the same digest at the same tick',
    async () => {
      const original = await started(() =>
        start({
          layout: 'processes',
          definition: 'small',
          seed: 11,
          participantGraceSeconds: budgets.participantGraceSeconds,
        }),
      );
      const api = await admin(original);
      const step = (count: number) => api.call('step', { body: { count } });

      await step(3);
      const flapping = await api.call<{ id: string }>('injectFault', {
        body: {
          kind: 'network_loss',
          targets: ['small/z1/rack1/tor/0'],
          every: 12,
          duration: 3,
        },
      });
      const crash = await api.call<{ id: string }>('injectFault', {
        body: { kind: 'crash', targets: ['small/z1/rack2/blade/1'] },
      });
      await api.call('createWorkload', {
        body: {
          name: 'web',
          instances: 3,
          demand: { cores: 2, memoryGib: 4 },
          image: 'web-1',
          placement: { rule: 'weak_anti_affinity', level: 'blade' },
        },
      });
      await step(6);
      await api.call('issueCommand', {
        body: { target: 'small/z1/rack1/blade/3', action: 'power_cycle' },
      });
      await api.call('clearFault', { params: { id: crash.body.id } });
      await api.call('setTarget', {
        query: { path: 'small/z1/rack2/blade/3' },
        body: { state: 'out_for_repair', powered: false, drain: true, reason: 'maintenance' },
      });
      await step(5);
      await api.call('updateWorkload', { params: { name: 'web' }, body: { instances: 5 } });
      await step(5);
      await api.call('clearAllFaults');
      await step(15);
      const clock = await api.call<{ settledTick: number; digest: string }>('getClock');
      expect(flapping.body.id).not.toBe(crash.body.id);

      const exported = await api.open('exportScenario');
      expect(exported.headers.get('content-type')).toMatch(/^text\/yaml/);
      const text = await exported.text();
      const scenario = parseScenario(text, 'exported.yaml');
      expect(scenario.seed).toBe(11);
      expect(scenario.inventory).toEqual({ kind: 'sample', sample: 'small' });
      expect(scenario.run).toEqual({ kind: 'tick', until: clock.body.settledTick });
      expect(scenario.timeline.map((t) => [t.at, t.input.kind])).toEqual([
        [4, 'fault'],
        [4, 'fault'],
        [4, 'create'],
        [10, 'command'],
        [10, 'clear'],
        [10, 'target'],
        [15, 'scale'],
        [20, 'clearAll'],
      ]);
      expect(scenario.expect.map((e) => e.check)).toEqual([
        { kind: 'digest', digest: clock.body.digest },
      ]);
      // The repair manager's own commands (the crashed blade's power cycles)
      // are no inputs: the replay's repair manager issues them again.
      const commands = await api.call<{ commands: Array<{ requestedBy: string }> }>('listCommands');
      const by = commands.body.commands.map((c) => c.requestedBy);
      expect(by).toContain('user:admin');
      expect(by.some((who) => who.startsWith('inventory-repair '))).toBe(true);

      const replay = await started(() => startFor(scenario, 'exported.yaml', { layout: 'single' }));
      const report = await runScenario(replay, scenario);
      expect(report.tick).toBe(clock.body.settledTick);
      expect(report.digest).toBe(clock.body.digest);
      expect(report.expectations.map((e) => e.passed)).toEqual([true]);
      expect(report.passed).toBe(true);

      // A reset starts a run with no inputs.
      await api.call('resetClock', { body: {} });
      const fresh = parseScenario(await (await api.open('exportScenario')).text(), 'fresh.yaml');
      expect(fresh.timeline).toEqual([]);
      expect(fresh.run).toEqual({ kind: 'tick', until: 0 });
    },
    budgets.longTestMs,
  );
});
