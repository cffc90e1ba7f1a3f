import { ApiClient } from '@chamber/api';
import { parseScenario, runScenario, startFor } from '@chamber/scenario';
import { start, type StartedChamber } from '@chamber/sdk';
import { budgets } from '@chamber/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { artifact, launchChromium, openPage, submitLogin } from './browser.js';

// Record and replay from the dashboard (issue 19 §3): faults injected and
// cleared from the Faults page and the clock stepped from the header, on a
// Chamber started as the launcher starts it, export as a scenario that runs
// headless on a fresh Chamber to the same digest.

let browser: Browser;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const tickOf = async (page: Page) =>
  Number(
    (await page.getByLabel('Tick', { exact: true }).textContent())?.replace(/^tick (\d+).*$/, '$1'),
  );

/** Steps the clock from the header's button `Step <n>` and waits for the tick it reaches. */
async function stepFromHeader(page: Page, n: 1 | 10): Promise<number> {
  const before = await tickOf(page);
  await page.getByRole('button', { name: `Step ${n}`, exact: true }).click();
  await expect.poll(() => tickOf(page)).toBe(before + n);
  return before + n;
}

describe('a run driven from the dashboard, exported as a scenario', () => {
  it(
    'replays headless on a fresh Chamber to the same digest',
    async () => {
      const original: StartedChamber = await start({
        layout: 'processes',
        definition: 'small',
        seed: 5,
        participantGraceSeconds: budgets.participantGraceSeconds,
      });
      cleanup.push(() => original.stop());
      const { page, problems } = await openPage(browser, original.url);
      cleanup.push(() => page.close());
      await submitLogin(page, 'admin', original.adminPassword);
      await expect
        .poll(() => page.getByLabel('Tick', { exact: true }).textContent())
        .toMatch(/^tick \d+$/);
      await stepFromHeader(page, 1);

      // Two faults from the form: a power loss for 6 ticks, and a hang due at
      // tick 40 that is cleared before it occurs.
      const nav = page.getByRole('navigation', { name: 'Pages' });
      await nav.getByRole('link', { name: 'Faults' }).click();
      const faults = page.getByRole('region', { name: 'Faults' });
      const form = faults.getByRole('form', { name: 'Inject a fault' });
      await form.getByLabel('Kind').selectOption('power_loss');
      await form.getByLabel('Targets').fill('small/z1/rack2/pdu/0');
      await form.getByLabel('Duration (ticks)').fill('6');
      await form.getByRole('button', { name: 'Inject' }).click();
      await expect.poll(() => faults.getByRole('status').textContent()).toMatch(/^Injected fault /);
      await form.getByLabel('Duration (ticks)').fill('');
      await form.getByLabel('Kind').selectOption('hang');
      await form.getByLabel('Targets').fill('small/z1/rack1/blade/2');
      await form.getByLabel('At (tick)').fill('40');
      await form.getByRole('button', { name: 'Inject' }).click();
      const hangRow = page.getByRole('row').filter({ hasText: 'small/z1/rack1/blade/2' });
      await expect.poll(() => hangRow.textContent()).toContain('scheduled');
      await stepFromHeader(page, 10);
      await hangRow.getByRole('button', { name: /^Clear / }).click();
      await expect
        .poll(() => faults.getByRole('status').textContent())
        .toMatch(/clears at the next tick/);
      await stepFromHeader(page, 10);
      const tick = await stepFromHeader(page, 10);
      await page.screenshot({ path: artifact('export-replay.png'), fullPage: true });

      // Exported over REST as the page's user, and replayed.
      const login = await new ApiClient({ baseUrl: original.url }).call('logIn', {
        body: { user: 'admin', password: original.adminPassword },
      });
      const api = new ApiClient({
        baseUrl: original.url,
        cookie: login.headers.get('set-cookie')?.split(';')[0] ?? '',
      });
      const clock = await api.call<{ settledTick: number; digest: string }>('getClock');
      expect(clock.body.settledTick).toBe(tick);
      const text = await (await api.open('exportScenario')).text();
      const scenario = parseScenario(text, 'exported.yaml');
      expect(scenario.timeline.map((t) => [t.at, t.input.kind])).toEqual([
        [2, 'fault'],
        [2, 'fault'],
        [12, 'clear'],
      ]);
      expect(scenario.timeline.map((t) => t.input)).toMatchObject([
        { fault: 'power_loss', schedule: { duration: 6 } },
        { fault: 'hang', schedule: { at: 40 } },
        { kind: 'clear', id: (scenario.timeline[1]!.input as { id: string }).id },
      ]);

      const replay = await startFor(scenario, 'exported.yaml', { layout: 'single' });
      cleanup.push(() => replay.stop());
      const report = await runScenario(replay, scenario);
      expect(report.tick).toBe(tick);
      expect(report.digest).toBe(clock.body.digest);
      expect(report.passed).toBe(true);
      expect(problems).toEqual([]);
    },
    budgets.longTestMs,
  );
});
