import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { isBookkeepingSpan } from '@chamber/world';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, userPassword } from '../system/frontend-world.js';
import { startTraceSinkProcess } from '../system/processes.js';
import {
  artifact,
  launchChromium,
  loadSample,
  loadSmall,
  openPage,
  quickControlPlane,
  submitLogin,
  webRoot,
} from './browser.js';

// The faults, repairs and log pages in Debian's Chromium, driven by
// Playwright, against a real frontend and services whose spans go to a real
// tracesink process. Screenshots go to test-artifacts/.

// What the Node SDK registers in a service process: spans started inside the
// tick span are its children.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

let browser: Browser;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * A world with monitor and repair whose services (the stepper too) send
 * their spans to a tracesink, with the sample `name` loaded.
 */
async function world(label: string, name = 'small') {
  const sink = await startTraceSinkProcess({
    endpoints: etcdEndpoints(),
    simulation: uniqueSimulation(label),
  });
  closers.push(() => sink.child.kill());
  const providers: BasicTracerProvider[] = [];
  closers.push(() => Promise.all(providers.map((p) => p.shutdown())));
  const tracer = (service: string) => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': `chamber-${service}` }),
      spanProcessors: traceSinkSpanProcessors({ telemetry: { tracesink: sink.address } }),
    });
    providers.push(provider);
    return provider.getTracer(service);
  };
  const fw = await startFrontendWorld(
    label,
    { ...quickControlPlane, tracer },
    { webRoot, tracesink: sink.address },
  );
  closers.push(() => fw.close());
  await loadSample(fw, name);
  return { ...fw, flush: () => Promise.all(providers.map((p) => p.forceFlush())) };
}

async function logIn(
  url: string,
  user = 'admin',
  password = adminPassword,
): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await openPage(browser, url);
  closers.push(() => page.close());
  await submitLogin(page, user, password);
  await expect
    .poll(() => page.getByLabel('Tick', { exact: true }).textContent())
    .toMatch(/^tick \d+$/);
  return { page, problems };
}

const b0 = 'small/z1/rack1/blade/0';
const tickOf = async (page: Page) =>
  Number(
    (await page.getByLabel('Tick', { exact: true }).textContent())?.replace(/^tick (\d+).*$/, '$1'),
  );

describe('the faults, repairs and log pages', () => {
  it('injects a crash from the form, shows its repair with reasons and history, clears all, and shows the log with a causality tree', async () => {
    const fw = await world('web-pages');
    const { page, problems } = await logIn(fw.url);
    const nav = page.getByRole('navigation', { name: 'Pages' });

    // Faults: inject a crash on a blade from the form.
    await nav.getByRole('link', { name: 'Faults' }).click();
    await expect
      .poll(() => nav.getByRole('link', { name: 'Faults' }).getAttribute('aria-current'))
      .toBe('page');
    expect(page.url()).toMatch(/#\/faults$/);
    const faults = page.getByRole('region', { name: 'Faults' });
    const form = faults.getByRole('form', { name: 'Inject a fault' });
    await form.getByLabel('Kind').selectOption('crash');
    await form.getByLabel('Targets').fill(b0);
    await form.getByRole('button', { name: 'Inject' }).click();
    await expect.poll(() => faults.getByRole('status').textContent()).toMatch(/^Injected fault /);
    const crashRow = page.getByRole('row').filter({ hasText: b0 });
    await expect.poll(() => crashRow.textContent()).toContain('crash');

    // A refused request names the field: a target that is no element path.
    await form.getByLabel('Targets').fill('not a path!');
    await form.getByRole('button', { name: 'Inject' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/^Not accepted \(400 /);
    // Limits the API's schema sets are checked before sending: duration is at least 1.
    await form.getByLabel('Targets').fill(b0);
    await form.getByLabel('Duration (ticks)').fill('0');
    await form.getByRole('button', { name: 'Inject' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('Duration must be at least 1');
    await form.getByLabel('Duration (ticks)').fill('');

    // Repairs: step the clock from the header until the blade's repair succeeds.
    await nav.getByRole('link', { name: 'Repairs' }).click();
    const repairRow = page.getByRole('row').filter({ hasText: b0 }).first();
    for (let i = 0; i < 8; i++) {
      if (/succeeded/.test((await repairRow.textContent({ timeout: 100 }).catch(() => '')) ?? ''))
        break;
      const before = await tickOf(page);
      await page.getByRole('button', { name: 'Step 10', exact: true }).click();
      await expect.poll(() => tickOf(page)).toBe(before + 10);
    }
    await expect.poll(() => repairRow.textContent()).toContain('succeeded');
    const repairFilters = page.getByRole('form', { name: 'Filter repairs' });
    await repairFilters.getByLabel('Status').selectOption('failed');
    await expect.poll(() => repairRow.count()).toBe(0);
    await repairFilters.getByLabel('Status').selectOption('succeeded');
    await expect.poll(() => repairRow.count()).toBe(1);
    await repairFilters.getByLabel('Status').selectOption('');
    const repair = (
      await fw.admin.call<{ repairs: Array<{ id: string; reason: string }> }>('listRepairs', {
        query: { target: b0 },
      })
    ).body.repairs[0]!;
    expect(repair.reason).not.toBe('');
    expect(await repairRow.textContent()).toContain(repair.reason);
    await repairRow.getByRole('button', { name: /^Show \d+ steps$/ }).click();
    const history = page.getByRole('table', { name: `History of ${repair.id}` });
    await expect.poll(() => history.textContent()).toContain('power cycle');
    await page.screenshot({ path: artifact('repairs.png'), fullPage: true });

    // Faults: the crash was fixed; a scheduled fault is cleared with Clear all.
    await nav.getByRole('link', { name: 'Faults' }).click();
    await expect.poll(() => crashRow.textContent()).toContain('cleared');
    await expect.poll(() => crashRow.textContent()).toContain('fixed');
    const later = (await tickOf(page)) + 100;
    await form.getByLabel('Kind').selectOption('hang');
    await form.getByLabel('Targets').fill('small/z1/rack2/blade/2');
    await form.getByLabel('At (tick)').fill(String(later));
    await form.getByRole('button', { name: 'Inject' }).click();
    const hangRow = page.getByRole('row').filter({ hasText: 'small/z1/rack2/blade/2' });
    await expect.poll(() => hangRow.textContent()).toContain('scheduled');
    // A good submit leaves no old refusal on screen.
    expect(await form.getByRole('alert').count()).toBe(0);
    // The filters keep what the API would: by status, and by target (a rack takes in its blades).
    const filters = faults.getByRole('form', { name: 'Filter faults' });
    await filters.getByLabel('Status').selectOption('scheduled');
    await expect.poll(() => crashRow.count()).toBe(0);
    await expect.poll(() => hangRow.count()).toBe(1);
    await filters.getByLabel('Status').selectOption('');
    await filters.getByLabel('Target').fill('small/z1/rack1/');
    await expect.poll(() => hangRow.count()).toBe(0);
    await expect.poll(() => crashRow.count()).toBe(1);
    await filters.getByLabel('Target').fill('');
    await expect.poll(() => hangRow.count()).toBe(1);
    await page.getByRole('button', { name: 'Clear all…' }).click();
    await page
      .getByRole('alertdialog', { name: 'Clear all faults?' })
      .getByRole('button', { name: 'Clear all faults' })
      .click();
    await expect.poll(() => faults.getByRole('status').textContent()).toMatch(/^1 fault clears at/);
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => hangRow.textContent()).toContain('cleared');
    await page.screenshot({ path: artifact('faults.png'), fullPage: true });

    // Log: the repair's decisions, live, and one's causality tree.
    await fw.flush();
    await nav.getByRole('link', { name: 'Log' }).click();
    await page.getByRole('combobox', { name: 'Service' }).selectOption('inventory-repair');
    const decision = page.getByRole('row').filter({ hasText: 'repair.decision' }).first();
    await expect.poll(() => decision.textContent()).toContain(b0);
    // Each entry says which run of the clock its tick belongs to.
    expect(await decision.getByRole('cell').nth(1).textContent()).toMatch(/^run 1 tick \d+$/);
    await decision.getByRole('button', { name: /^Trace of entry \d+$/ }).click();
    const tree = page.getByRole('region', { name: 'Causality tree' });
    await expect.poll(() => tree.getByRole('listitem').count()).toBeGreaterThan(0);
    expect(await tree.textContent()).toContain('repair.decision');
    await page.screenshot({ path: artifact('log.png'), fullPage: true });
    // A link opens the trace it points to (what led to the decision).
    const link = tree.getByRole('button', { name: /^[0-9a-f]{32}\/[0-9a-f]{16}$/ }).first();
    const linked = /^[0-9a-f]{32}/.exec((await link.textContent())!)![0]; // the trace id
    await link.click();
    await expect.poll(() => tree.textContent()).toContain(`trace ${linked}`);

    // The refused inject is a 400 the page shows; the browser also logs it as a failed resource.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
  });

  it('hides per-tick bookkeeping in the log, filters services by choice or prefix, links targets to the map; a form says its units and refuses a bad value unsent; Reset confirms in the page; placeholders name the loaded inventory', async () => {
    // The `standard` sample, so a placeholder naming `small` would be wrong.
    const fw = await world('web-log-forms', 'standard');
    const blade = 'standard/z1/rack1/blade/0';
    const fault = await fw.admin.call<{ sinceTick: number }>('injectFault', {
      body: { kind: 'crash', targets: [blade] },
    });
    await fw.admin.call('runUntil', { body: { tick: fault.body.sinceTick + 10 } });
    await fw.flush();
    const { page, problems } = await logIn(`${fw.url}/#/log`);
    await page.setViewportSize({ width: 1440, height: 900 });
    const log = page.getByRole('region', { name: 'Log' });
    const column = (n: number) => log.locator(`tbody tr td:nth-child(${n})`).allTextContents();
    const names = () => column(4);
    const services = () => column(3);

    // By default only decisions: no clock publish/settle or `<service>.tick` span.
    await expect.poll(async () => (await names()).length).toBeGreaterThan(0);
    expect((await names()).filter(isBookkeepingSpan)).toEqual([]);
    // A placeholder names a rack of the loaded inventory.
    await expect
      .poll(() => log.getByLabel('Target').getAttribute('placeholder'))
      .toBe('e.g. standard/z1/rack1');
    await page.screenshot({ path: artifact('log-decisions.png') });
    // The toggle shows them.
    await log.getByLabel('Show per-tick bookkeeping').check();
    await expect
      .poll(async () => (await names()).filter(isBookkeepingSpan))
      .toContain('clock.publish');
    expect(await names()).toContain('monitor.tick');
    await log.getByLabel('Show per-tick bookkeeping').uncheck();
    await expect.poll(async () => (await names()).filter(isBookkeepingSpan)).toEqual([]);

    // A service chosen from the list of services.
    const serviceChoice = log.getByRole('combobox', { name: 'Service' });
    expect(await serviceChoice.locator('option').allTextContents()).toContain('inventory-repair');
    await serviceChoice.selectOption('monitor');
    await expect.poll(async () => [...new Set(await services())]).toEqual(['monitor']);
    await serviceChoice.selectOption('');
    // A start of a name: one that starts no service says so; `inventory` takes in `inventory-repair`.
    const prefix = log.getByLabel('Service starts with');
    await prefix.fill('repair');
    await expect
      .poll(() => log.getByRole('status').textContent())
      .toMatch(/^No service starts with “repair”: the services are .*inventory-repair/);
    await prefix.fill('inventory');
    await expect
      .poll(() => log.getByRole('status').textContent())
      .toBe('Services starting with “inventory”: inventory, inventory-repair.');
    await expect.poll(async () => (await services()).length).toBeGreaterThan(0);
    expect((await services()).filter((s) => !s.startsWith('inventory'))).toEqual([]);
    await prefix.fill('');

    // A target opens the map with its element selected.
    await log.getByRole('link', { name: blade, exact: true }).first().click();
    await expect
      .poll(() => new URL(page.url()).hash)
      .toBe(`#/?${new URLSearchParams({ blade }).toString()}`);
    const detail = page.getByRole('region', { name: `blade ${blade}` });
    await expect.poll(() => detail.count()).toBe(1);
    // Retiring it asks in the page; cancelled, the target stays in service.
    const targetForm = detail.getByRole('form', { name: 'Set the target' });
    await expect
      .poll(() => targetForm.getByRole('button', { name: 'Set target' }).isEnabled())
      .toBe(true);
    await targetForm.getByLabel('State').selectOption('retired');
    await targetForm.getByRole('button', { name: 'Set target' }).click();
    const retire = page.getByRole('alertdialog', { name: `Retire ${blade}?` });
    await expect.poll(() => retire.textContent()).toContain('out of service for good');
    await retire.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => retire.count()).toBe(0);
    const target = await fw.admin.call<{ element: { target?: { state?: string } } }>('getTarget', {
      query: { path: blade },
    });
    expect(target.body.element.target?.state).toBe('TARGET_STATE_IN_SERVICE');

    // The fault form: units in the labels, a placeholder of real elements, and a bad value
    // refused next to its field before anything is sent.
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Faults' })
      .click();
    const form = page.getByRole('form', { name: 'Inject a fault' });
    await expect
      .poll(() => form.getByLabel('Targets').getAttribute('placeholder'))
      .toBe(`e.g. ${blade}, standard/z1/rack1`);
    for (const label of [
      'At (tick)',
      'Duration (ticks)',
      'Every (ticks)',
      'MTBF (ticks)',
      'MTTR (ticks)',
    ])
      expect(await form.getByLabel(label, { exact: true }).count()).toBe(1);
    const faultCount = async () =>
      (await fw.admin.call<{ faults?: unknown[] }>('listFaults')).body.faults?.length ?? 0;
    const before = await faultCount();
    await form.getByLabel('Targets').fill(blade);
    const every = form.getByLabel('Every (ticks)');
    await every.fill('0');
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Every must be at least 1');
    expect(await every.getAttribute('aria-invalid')).toBe('true');
    await form.getByRole('button', { name: 'Inject' }).click();
    // Refused in the page: the field has the focus, and nothing reached the API.
    await expect.poll(() => every.and(page.locator(':focus')).count()).toBe(1);
    expect(await faultCount()).toBe(before);
    expect(await page.getByRole('region', { name: 'Faults' }).getByRole('status').count()).toBe(0);
    await page.screenshot({ path: artifact('fault-form-refused.png') });

    // Reset asks in the page, Cancel first; Cancel changes nothing, Reset starts a new run.
    type Clock = { tick?: number; run?: number };
    const clock = async () => (await fw.admin.call<Clock>('getClock')).body;
    const old = await clock();
    await page.getByRole('button', { name: 'Reset…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Reset the simulation?' });
    await expect.poll(() => dialog.textContent()).toContain('It cannot be undone.');
    const cancel = dialog.getByRole('button', { name: 'Cancel' });
    await expect.poll(() => cancel.and(page.locator(':focus')).count()).toBe(1);
    await page.screenshot({ path: artifact('reset-confirm.png') });
    await cancel.click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await clock()).toMatchObject({ tick: old.tick, run: old.run });
    await page.getByRole('button', { name: 'Reset…' }).click();
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => page.getByLabel('Tick', { exact: true }).textContent()).toBe('tick 0');
    expect((await clock()).run).toBe((old.run ?? 0) + 1);
    expect(problems).toEqual([]);
  });

  it('shows a repair whose element came back before any step as recovered on its own, with no step', async () => {
    const fw = await startFrontendWorld('web-recovered', quickControlPlane, { webRoot });
    closers.push(() => fw.close());
    await loadSmall(fw);
    // A short power loss: the PDU is observed failed and its repair waits for a
    // technician (10 ticks), but the power is back long before.
    const pdu = 'small/z1/rack1/pdu/0';
    const fault = await fw.admin.call<{ sinceTick: number }>('injectFault', {
      body: { kind: 'power_loss', targets: [pdu], duration: 3 },
    });
    await fw.admin.call('runUntil', { body: { tick: fault.body.sinceTick + 25 } });
    const { page, problems } = await logIn(`${fw.url}/#/repairs`);
    const row = page.getByRole('row').filter({ hasText: pdu });
    await expect.poll(() => row.textContent()).toContain('recovered on its own');
    const cells = (await row.getByRole('cell').allTextContents()).map((c) => c.trim());
    expect(cells[2]).toBe('recovered'); // status
    expect(cells[3]).toBe('–'); // current step: none was taken
    // No repair, closed or open, reads "attempt 0".
    const table = page.getByRole('region', { name: 'Repairs' });
    expect(await table.textContent()).not.toMatch(/attempt 0/);
    const filters = page.getByRole('form', { name: 'Filter repairs' });
    await filters.getByLabel('Status').selectOption('recovered');
    await expect.poll(() => row.count()).toBe(1);
    await filters.getByLabel('Status').selectOption('succeeded');
    await expect.poll(() => row.count()).toBe(0);
    await page.screenshot({ path: artifact('repairs-recovered.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('offers no fault actions to a user without inject_faults, and says when there is no log', async () => {
    const fw = await startFrontendWorld('web-reader', {}, { webRoot });
    closers.push(() => fw.close());
    await fw.userWith('reader', []);
    const { page, problems } = await logIn(`${fw.url}/#/faults`, 'reader', userPassword);
    const faults = page.getByRole('region', { name: 'Faults' });
    await expect.poll(() => faults.textContent()).toContain('No faults.');
    expect(await faults.getByRole('form', { name: 'Inject a fault' }).count()).toBe(0);
    expect(await faults.getByRole('button', { name: 'Clear all…' }).count()).toBe(0);

    // The hash keeps the page across a reload.
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Log' })
      .click();
    await page.reload();
    const log = page.getByRole('region', { name: 'Log' });
    await expect
      .poll(() => log.getByRole('alert').textContent())
      .toMatch(/^Unavailable \(503 unavailable\): no tracesink is configured/);
    await page.screenshot({ path: artifact('log-unavailable.png') });
    // The 503 is what the page shows; the browser also logs it as a failed resource.
    expect(problems.filter((p) => !p.includes('status of 503'))).toEqual([]);
  });
});
