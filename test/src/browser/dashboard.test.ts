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
  w = await startFrontendWorld(label, quickControlPlane, webRoot);
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

  it('is readable in a narrow window', async () => {
    const fw = await world('web-narrow');
    const { page, problems } = await openPage(browser, fw.url, { width: 420, height: 800 });
    await submitLogin(page, 'admin', adminPassword);
    await expect.poll(() => page.getByLabel('Tick').textContent()).toMatch(/tick \d+/);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(420);
    await page.screenshot({ path: artifact('dashboard-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
