import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, type FrontendWorld } from '../system/frontend-world.js';
import {
  artifact,
  launchChromium,
  loadSmall,
  openPage,
  quickControlPlane,
  submitLogin,
  webRoot,
} from './browser.js';

// The dashboard in Debian's Chromium, driven by Playwright, against a real
// frontend and services. Screenshots go to test-artifacts/.
let browser: Browser;
let w: FrontendWorld | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function world(label: string): Promise<FrontendWorld> {
  w = await startFrontendWorld(label, quickControlPlane, { webRoot });
  await loadSmall(w);
  return w;
}

describe('the dashboard', () => {
  it('logs in, shows the clock and the blades in actual and observed, and steps the clock', async () => {
    const fw = await world('web-clock');
    const { page, problems } = await openPage(browser, fw.url);
    await submitLogin(page, 'admin', adminPassword);

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
    await page.screenshot({ path: artifact('dashboard.png'), fullPage: true });

    // A refused action says why: a wrong password, after logging out.
    await page.getByRole('button', { name: 'Log out' }).click();
    await submitLogin(page, 'admin', 'not the password');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('wrong user name or password');
    await page.screenshot({ path: artifact('login-refused.png') });
    // The refused log-in is a 401 the page shows; the browser also logs it as a failed resource.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    await page.close();
  });

  it('logs in once with the one-time URL of a first run', async () => {
    w = await startFrontendWorld('web-first-run', {}, { webRoot, isFirstRun: true });
    expect(w.loginUrl).toMatch(/\/\?token=chm_/);
    const { page, problems } = await openPage(browser, w.loginUrl!);
    await expect.poll(() => page.getByLabel('Tick').textContent()).toMatch(/^tick \d+$/);
    await expect.poll(() => page.getByRole('banner').textContent()).toContain('admin');
    // The token leaves the address bar (and the history) at once.
    expect(page.url()).not.toContain('token');
    await expect.poll(() => page.getByText(/^No inventory is loaded yet/).count()).toBe(1);
    await page.screenshot({ path: artifact('first-run.png') });
    expect(problems).toEqual([]);

    // It works once: another browser with the same URL is refused, and says why.
    const again = await openPage(browser, w.loginUrl!);
    await expect
      .poll(() => again.page.getByRole('alert').textContent())
      .toContain('the login token is unknown, expired or already used');
    await expect(again.page.getByLabel('Password').isVisible()).resolves.toBe(true);
    expect(again.problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    await page.close();
    await again.page.close();
  });

  it('is readable in a narrow window, on every page', async () => {
    const fw = await world('web-narrow');
    const { page, problems } = await openPage(browser, fw.url, { width: 420, height: 800 });
    await submitLogin(page, 'admin', adminPassword);
    await expect.poll(() => page.getByLabel('Tick').textContent()).toMatch(/tick \d+/);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    for (const name of ['Faults', 'Repairs', 'Log', 'Inventory']) {
      await nav.getByRole('link', { name }).click();
      await expect
        .poll(() => nav.getByRole('link', { name }).getAttribute('aria-current'))
        .toBe('page');
      await page.getByRole('main').getByRole('heading').first().waitFor();
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(width, `the ${name} page is wider than the window`).toBeLessThanOrEqual(420);
      await page.screenshot({ path: artifact(`narrow-${name.toLowerCase()}.png`), fullPage: true });
    }
    // This world has no tracesink: the log page says it is unavailable (a 503).
    expect(problems.filter((p) => !p.includes('status of 503'))).toEqual([]);
    await page.close();
  });
});
