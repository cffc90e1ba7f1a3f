import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, type FrontendWorld } from '../system/frontend-world.js';
import { sample } from '../system/inventory-world.js';

// The inventory map and detail panel in Debian's Chromium, against a real
// frontend and services. Screenshots go to test-artifacts/.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const webRoot = path.join(repo, 'web/dist/app');
const artifacts = path.join(repo, 'test-artifacts');

let browser: Browser;
let w: FrontendWorld | undefined;
let problems: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  fs.mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  await page.goto(url);
  return page;
}

describe('the inventory map', () => {
  it('colours blades by state, opens a detail panel, injects a power loss and shows the lag', async () => {
    w = await startFrontendWorld(
      'web-map',
      {
        monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
        repair: { rackBudget: 2, powerCycles: 2, verifyPowerCycleTicks: 10 },
      },
      webRoot,
    );
    const load = await w.admin.call<{ effectiveTick: number }>('loadDefinition', {
      body: { source: sample('small'), fileName: 'small.yaml' },
    });
    await w.admin.call('runUntil', { body: { tick: load.body.effectiveTick + 8 } });

    const page = await open(w.url);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();

    const canvas = page.getByRole('img', { name: /Inventory map/ });
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/2 racks, \d+ devices/);
    const legend = (name: string) => page.getByRole('list', { name }).textContent();
    await expect.poll(() => legend('Legend, actual')).toContain('working 8');
    await page.screenshot({ path: path.join(artifacts, 'map-actual.png'), fullPage: true });
    await page.getByRole('radio', { name: 'observed' }).check();
    await expect.poll(() => legend('Legend, observed')).toContain('healthy 8');
    await page.getByRole('radio', { name: 'actual' }).check();

    // A blade's detail, from the search list (the keyboard way to the map).
    await page.getByRole('searchbox').fill('rack1/blade/0');
    const blade = page.getByRole('list', { name: 'Matching elements' }).getByRole('button');
    await expect.poll(() => blade.first().textContent()).toContain('working / healthy');
    await blade.first().press('Enter');
    const detail = page.getByRole('region', { name: /blade .*rack1\/blade\/0/ });
    await expect
      .poll(() => detail.getByRole('region', { name: 'actual' }).textContent())
      .toContain('BLADE_STATE_WORKING');
    await expect
      .poll(() => detail.getByRole('region', { name: 'definition' }).textContent())
      .toMatch(/capacity/i);

    // The rack's PDU: inject a power loss from its panel.
    await page.getByRole('searchbox').fill('rack1/pdu/0');
    await page.getByRole('list', { name: 'Matching elements' }).getByRole('button').first().click();
    const pdu = page.getByRole('region', { name: /pdu .*rack1\/pdu\/0/ });
    await pdu.getByLabel('Kind').selectOption('power_loss');
    await pdu.getByRole('button', { name: 'Inject' }).click();
    await expect.poll(() => pdu.getByRole('status').textContent()).toMatch(/Fault .* injected/);
    await page.screenshot({ path: path.join(artifacts, 'detail.png'), fullPage: true });

    // Step by step until the PDU's blades go dark in actual: the monitor has not noticed yet.
    const tick = page.getByLabel('Tick', { exact: true });
    const darkBlades = async (): Promise<number> =>
      Number(/(?:^|\d)off (\d+)/.exec((await legend('Legend, actual')) ?? '')?.[1] ?? 0);
    for (let i = 0; i < 3 && (await darkBlades()) === 0; i++) {
      const before = await tick.textContent();
      await page.getByRole('button', { name: 'Step 1', exact: true }).click();
      await expect.poll(() => tick.textContent()).not.toBe(before);
    }
    await expect.poll(darkBlades).toBeGreaterThan(0);
    const dark = await darkBlades();
    await page.getByRole('checkbox', { name: 'Disagreements' }).check();
    await expect
      .poll(() => legend('Legend, disagreements'))
      .toMatch(new RegExp(`not noticed yet.*healthy\\) ${dark}`));
    await page.screenshot({ path: path.join(artifacts, 'map-disagreement.png'), fullPage: true });
    await page.getByRole('checkbox', { name: 'Disagreements' }).uncheck();

    // A few more: the control plane notices.
    await page.getByRole('button', { name: 'Step 10', exact: true }).click();
    await page.getByRole('radio', { name: 'observed' }).check();
    await expect.poll(() => legend('Legend, observed')).toMatch(new RegExp(`failed ${dark}`));
    await expect
      .poll(() => pdu.getByRole('region', { name: 'Faults' }).textContent())
      .toContain('power_loss');
    await page.screenshot({ path: path.join(artifacts, 'map-observed.png'), fullPage: true });

    // A refusal says why: a schedule field the API refuses names the field.
    await pdu.getByLabel('Probability').fill('2');
    await pdu.getByRole('button', { name: 'Inject' }).click();
    await expect.poll(() => pdu.getByRole('alert').textContent()).toMatch(/400.*probability/);

    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.close();
  });
});
