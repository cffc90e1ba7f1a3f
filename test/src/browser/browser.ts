import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FrontendWorld } from '../system/frontend-world.js';
import { sample } from '../system/inventory-world.js';
import { repo } from '../system/processes.js';

// What the browser tests share: Debian's Chromium with the flags
// TOOLCHAIN.md lists, the built dashboard, and where screenshots go.

/** The dashboard bundle `npm run build` makes, for the frontend to serve. */
export const webRoot = path.join(repo, 'web/dist/app');

/** A monitor and repair manager that notice and mend within a few ticks. */
export const quickControlPlane = {
  monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
  repair: { rackBudget: 2, powerCycles: 2, verifyPowerCycleTicks: 10 },
};

/** Starts Debian's Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** The path of screenshot `name` under test-artifacts/ (made when missing). */
export function artifact(name: string): string {
  const dir = path.join(repo, 'test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/**
 * A new page at `url`, with `problems`: every console error and uncaught
 * exception it shows from then on.
 */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  await page.goto(url);
  return { page, problems };
}

/** Fills in and sends the log-in form. */
export async function submitLogin(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Loads the sample `name` and runs the clock `ticks` past its load, so blades work. */
export async function loadSample(fw: FrontendWorld, name: string, ticks = 6): Promise<void> {
  const load = await fw.admin.call<{ effectiveTick: number }>('loadDefinition', {
    body: { source: sample(name), fileName: `${name}.yaml` },
  });
  await fw.admin.call('runUntil', { body: { tick: load.body.effectiveTick + ticks } });
}

/** Loads the `small` sample and runs the clock `ticks` past its load, so blades work. */
export function loadSmall(fw: FrontendWorld, ticks = 6): Promise<void> {
  return loadSample(fw, 'small', ticks);
}

/**
 * The figures of the page's first term list (`<dl>`), term → value, read at
 * once (they change at every tick).
 */
export function figuresOf(page: Page): Promise<Record<string, string>> {
  return page
    .getByRole('definition')
    .first()
    .evaluate((el: unknown) => {
      type Node = { textContent: string | null; querySelectorAll(s: string): ArrayLike<Node> };
      const dl = (el as { closest(s: string): Node }).closest('dl');
      const terms = Array.from(dl.querySelectorAll('dt'), (n) => n.textContent ?? '');
      const values = Array.from(dl.querySelectorAll('dd'), (n) => n.textContent ?? '');
      return Object.fromEntries(terms.map((t, i) => [t, values[i] ?? '']));
    });
}
