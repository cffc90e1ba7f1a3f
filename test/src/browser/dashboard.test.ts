import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, type FrontendWorld } from '../system/frontend-world.js';
import { sample } from '../system/inventory-world.js';

// The dashboard in Debian's Chromium, driven by Playwright, against a real
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

/** A page that records every console error and uncaught exception. */
async function open(url: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  await page.goto(url);
  return page;
}

async function world(label: string): Promise<FrontendWorld> {
  w = await startFrontendWorld(
    label,
    {
      monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
      repair: { rackBudget: 2, powerCycles: 2, verifyPowerCycleTicks: 10 },
    },
    webRoot,
  );
  const load = await w.admin.call<{ effectiveTick: number }>('loadDefinition', {
    body: { source: sample('small'), fileName: 'small.yaml' },
  });
  await w.admin.call('runUntil', { body: { tick: load.body.effectiveTick + 6 } });
  return w;
}

describe('the dashboard', () => {
  it('logs in, shows the clock and the blades in actual and observed, and steps the clock', async () => {
    const fw = await world('web-clock');
    const page = await open(fw.url);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();

    // The header names the simulation.
    await expect.poll(() => page.getByLabel('Simulation').textContent()).toBe(fw.world.simulation);
    const tick = page.getByLabel('Tick');
    await expect.poll(() => tick.textContent()).toMatch(/^tick \d+$/);
    const before = Number((await tick.textContent())?.slice('tick '.length));
    expect(before).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByRole('region', { name: 'Blades, actual' }).textContent())
      .toMatch(/\d/);
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => tick.textContent()).toBe(`tick ${before + 1}`);
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });

    // A refused action says why: a wrong password, after logging out.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('wrong user name or password');
    await page.screenshot({ path: path.join(artifacts, 'login-refused.png') });
    // The refused log-in is a 401 the page shows; the browser also logs it as a failed resource.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    await page.close();
  });

  it('is readable in a narrow window', async () => {
    const fw = await world('web-narrow');
    const page = await open(fw.url, { width: 420, height: 800 });
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByLabel('Tick').textContent()).toMatch(/tick \d+/);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(420);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
