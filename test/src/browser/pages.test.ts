import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
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

/** A world with monitor and repair whose services send their spans to a tracesink. */
async function world(label: string) {
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
  await loadSmall(fw);
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
  await expect.poll(() => page.getByLabel('Tick').textContent()).toMatch(/^tick \d+$/);
  return { page, problems };
}

const b0 = 'small/z1/rack1/blade/0';
const tickOf = async (page: Page) =>
  Number((await page.getByLabel('Tick').textContent())?.replace(/^tick (\d+).*$/, '$1'));

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
    await form.getByLabel('duration', { exact: true }).fill('0');
    await form.getByRole('button', { name: 'Inject' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('Not accepted: duration must be at least 1, as the API requires.');
    await form.getByLabel('duration', { exact: true }).fill('');

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
    await form.getByLabel('at', { exact: true }).fill(String(later));
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
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Clear all…' }).click();
    await expect.poll(() => faults.getByRole('status').textContent()).toMatch(/^1 fault clears at/);
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => hangRow.textContent()).toContain('cleared');
    await page.screenshot({ path: artifact('faults.png'), fullPage: true });

    // Log: the repair's decisions, live, and one's causality tree.
    await fw.flush();
    await nav.getByRole('link', { name: 'Log' }).click();
    await page.getByLabel('Service').fill('inventory-repair');
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
