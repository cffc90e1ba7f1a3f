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
  it('logs in, shows the clock and the blades in actual and observed, steps, runs at a rate, pauses and resets', async () => {
    const fw = await world('web-clock');
    const { page, problems } = await openPage(browser, fw.url);
    await submitLogin(page, 'admin', adminPassword);

    // The header names the simulation.
    await expect.poll(() => page.getByLabel('Simulation').textContent()).toBe(fw.world.simulation);
    const tick = page.getByLabel('Tick', { exact: true });
    await expect.poll(() => tick.textContent()).toMatch(/^tick \d+$/);
    const tickNow = async () => Number((await tick.textContent())?.replace(/^tick (\d+).*$/, '$1'));
    const before = await tickNow();
    expect(before).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByRole('region', { name: 'Blades, actual' }).textContent())
      .toMatch(/\d/);
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => tick.textContent()).toBe(`tick ${before + 1}`);
    await page.screenshot({ path: artifact('dashboard.png'), fullPage: true });

    // Run at a rate, pause, and reset after a confirmation.
    const clock = page.getByRole('region', { name: 'Clock' });
    await page.getByLabel('Rate').fill('20');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => clock.textContent()).toContain('measured at 20/s');
    await expect.poll(tickNow).toBeGreaterThan(before + 3);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => clock.textContent()).toContain('paused');
    // Confirmed in the page: cancelled, the reset does nothing; confirmed, it starts run 2 at tick 0.
    const confirm = page.getByRole('alertdialog', { name: 'Reset the simulation?' });
    await page.getByRole('button', { name: 'Reset…' }).click();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await clock.textContent()).toMatch(/paused · epoch \d+ · run 1/);
    await page.getByRole('button', { name: 'Reset…' }).click();
    await confirm.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => clock.textContent()).toMatch(/^tick 0.*run 2/);

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
    // Every service the dashboard reads on its first page (the map's timeline marks read the repairs).
    w = await startFrontendWorld('web-first-run', quickControlPlane, { webRoot, isFirstRun: true });
    expect(w.loginUrl).toMatch(/\/\?token=chm_/);
    const { page, problems } = await openPage(browser, w.loginUrl!);
    await expect
      .poll(() => page.getByLabel('Tick', { exact: true }).textContent())
      .toMatch(/^tick \d+$/);
    await expect.poll(() => page.getByRole('banner').textContent()).toContain('admin');
    // The token leaves the address bar (and the history) at once.
    expect(page.url()).not.toContain('token');
    await expect.poll(() => page.getByText(/^No inventory is loaded yet/).count()).toBe(1);
    // No legend or counts of nothing.
    expect(await page.getByRole('list', { name: /^Legend/ }).count()).toBe(0);
    await page.screenshot({ path: artifact('first-run.png') });
    expect(problems).toEqual([]);

    // It works once: another browser with the same URL is refused, and says why.
    const again = await openPage(browser, w.loginUrl!);
    await expect
      .poll(() => again.page.getByRole('alert').textContent())
      .toContain('the login token is unknown, expired or already used');
    await expect(again.page.getByLabel('Password').isVisible()).resolves.toBe(true);
    expect(again.problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    await again.page.close();

    // The first page asks to set a password, without the generated one nobody was shown.
    const first = page.getByRole('form', { name: 'Set your password' });
    await expect(first.isVisible()).resolves.toBe(true);
    expect(await first.getByLabel('Current password').count()).toBe(0);
    await first.getByLabel('New password', { exact: true }).fill('the first password');
    await first.getByLabel('Repeat the new password').fill('not the same one');
    await first.getByRole('button', { name: 'Set password' }).click();
    await expect
      .poll(() => first.getByRole('alert').textContent())
      .toBe('The two new passwords differ; nothing was changed.');
    await first.getByLabel('Repeat the new password').fill('the first password');
    await first.getByRole('button', { name: 'Set password' }).click();
    await expect
      .poll(() => page.getByText('Password set: log in as admin with it from now on.').count())
      .toBe(1);
    expect(await first.count()).toBe(0);
    await page.screenshot({ path: artifact('password-set.png') });

    // Changing it later asks for the current one, and says what the API refused.
    await page.getByRole('button', { name: 'Password', exact: true }).click();
    const change = page.getByRole('form', { name: 'Change your password' });
    await change.getByLabel('Current password').fill('not the password');
    await change.getByLabel('New password', { exact: true }).fill('the second password');
    await change.getByLabel('Repeat the new password').fill('the second password');
    await change.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => change.getByRole('alert').textContent())
      .toContain('currentPassword: is wrong');
    await change.getByLabel('Current password').fill('the first password');
    await change.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByText('Password changed.').count()).toBe(1);

    // The password logs in; the refused change is a 403 the page showed.
    await page.getByRole('button', { name: 'Log out' }).click();
    await submitLogin(page, 'admin', 'the second password');
    await expect.poll(() => page.getByRole('banner').textContent()).toContain('admin');
    expect(await page.getByRole('form', { name: 'Set your password' }).count()).toBe(0);
    expect(problems.filter((p) => !p.includes('status of 403'))).toEqual([]);
    await page.close();
  });

  it('says when the frontend is gone, and follows the clock again by itself when it is back', async () => {
    const fw = await world('web-reconnect');
    const { page, problems } = await openPage(browser, fw.url);
    await submitLogin(page, 'admin', adminPassword);
    const tick = page.getByLabel('Tick', { exact: true });
    await expect.poll(() => tick.textContent()).toMatch(/^tick \d+$/);
    const lost = page.getByText(
      'The live stream from the Chamber frontend was lost; reconnecting…',
    );
    await expect.poll(() => lost.count()).toBe(0);

    await fw.restartFrontend(async () => {
      await expect.poll(() => lost.count()).toBe(1);
      await page.getByRole('button', { name: 'Step 1', exact: true }).click();
      await expect
        .poll(() => page.getByRole('region', { name: 'Clock' }).getByRole('alert').textContent())
        .toBe('The Chamber frontend cannot be reached; is it running?');
      await page.screenshot({ path: artifact('frontend-gone.png') });
    });

    // Back: the stream resumes without a reload, and the clock moves on the page.
    await expect.poll(() => lost.count()).toBe(0);
    const { body } = await fw.admin.call<{ tick: number }>('step', { body: { count: 3 } });
    await expect.poll(() => tick.textContent()).toBe(`tick ${body.tick}`);
    // Its messages go with it.
    await expect.poll(() => page.getByRole('alert').allTextContents()).toEqual([]);
    // The browser logs the requests refused while it was gone, and any cut
    // short as it went (a reset), as failed resources.
    expect(
      problems.filter((p) => !/ERR_CONNECTION_(REFUSED|RESET)|ERR_EMPTY_RESPONSE/.test(p)),
    ).toEqual([]);
    await page.close();
  });

  it('is readable in a narrow window, on every page', async () => {
    const fw = await world('web-narrow');
    const { page, problems } = await openPage(browser, fw.url, { width: 420, height: 800 });
    await submitLogin(page, 'admin', adminPassword);
    await expect
      .poll(() => page.getByLabel('Tick', { exact: true }).textContent())
      .toMatch(/tick \d+/);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    for (const name of ['Faults', 'Repairs', 'Workloads', 'Log', 'Inventory']) {
      await nav.getByRole('link', { name }).click();
      await expect
        .poll(() => nav.getByRole('link', { name }).getAttribute('aria-current'))
        .toBe('page');
      await page.getByRole('main').getByRole('heading').first().waitFor();
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(width, `the ${name} page is wider than the window`).toBeLessThanOrEqual(420);
      await page.screenshot({ path: artifact(`narrow-${name.toLowerCase()}.png`), fullPage: true });
    }
    // This world has no tracesink nor workloads service: the log and workloads
    // pages say they are unavailable (a 503).
    expect(problems.filter((p) => !p.includes('status of 503'))).toEqual([]);
    await page.close();
  });
});
