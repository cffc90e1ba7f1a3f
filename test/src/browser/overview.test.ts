import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld } from '../system/frontend-world.js';
import {
  artifact,
  figuresOf,
  launchChromium,
  loadSmall,
  openPage,
  quickControlPlane,
  submitLogin,
  webRoot,
} from './browser.js';

// The Overview page in Debian's Chromium, driven by Playwright, against a
// real frontend, stepper, inventory, fault injector, monitor and repair
// manager on the `small` sample: the run's figures and charts follow the
// clock live and follow time travel. Screenshots go to test-artifacts/.

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

describe('the Overview page', () => {
  it("shows the run's figures and its charts over ticks, follows a fault and its repair live, and shows the run as of a tick travelled back to; a fault's mark on its slider opens the element on the map", async () => {
    const fw = await startFrontendWorld(
      'web-overview',
      { ...quickControlPlane, workloads: true },
      { webRoot },
    );
    closers.push(() => fw.close());
    await loadSmall(fw);
    await fw.admin.call('createWorkload', {
      body: {
        name: 'web',
        instances: 2,
        demand: { cores: 4, memoryGib: 4, diskGib: 10 },
        image: 'web-1',
        placement: { rule: 'none' },
      },
    });
    const created = await fw.admin.call<{ tick: number }>('getClock');
    await fw.admin.call('runUntil', { body: { tick: created.body.tick + 12 } });
    const { page, problems } = await openPage(browser, fw.url, { width: 1440, height: 900 });
    closers.push(() => page.close());
    await submitLogin(page, 'admin', adminPassword);
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Overview' })
      .click();
    expect(page.url()).toMatch(/#\/overview$/);
    const region = page.getByRole('region', { name: 'Overview' });

    // Before any fault: every element worked since it booted.
    await expect
      .poll(() => figuresOf(page))
      .toMatchObject({
        Availability: '100.0%',
        Failures: '0',
        'Open faults': '0',
        'Open repairs': '0',
        Escalations: '0',
      });
    await expect
      .poll(() =>
        region.getByRole('img', { name: /^running share at tick/ }).getAttribute('aria-label'),
      )
      .toMatch(/: web 100%$/);
    expect((await figuresOf(page))['Pending instances']).toBe('0');
    const states = region.getByRole('img', { name: /^elements by actual state/ });
    await expect.poll(() => states.getAttribute('aria-label')).toMatch(/working \d+/);
    const before = Number(
      (await page.getByLabel('Tick', { exact: true }).textContent())?.replace(/\D+/g, ''),
    );

    // A blade crashes: the figures and the states chart follow, tick by tick, without a reload.
    const blade = 'small/z1/rack1/blade/0';
    await fw.admin.call('injectFault', { body: { kind: 'crash', targets: [blade] } });
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => states.getAttribute('aria-label')).toMatch(/crashed 1/);
    await expect.poll(() => figuresOf(page)).toMatchObject({ Failures: '1', 'Open faults': '1' });
    // The monitor calls it failed, and the repair manager opens a repair.
    const repairs = region.getByRole('img', { name: /repairs open at tick/ });
    const openRepairs = async (): Promise<string> => (await figuresOf(page))['Open repairs']!;
    for (let tick = before + 2; tick < before + 12 && (await openRepairs()) !== '1'; tick++) {
      await page.getByRole('button', { name: 'Step 1', exact: true }).click();
      await expect.poll(() => region.textContent()).toContain(`Live, at tick ${tick + 1}.`);
      await expect.poll(openRepairs).toMatch(/^\d+$/);
    }
    expect(await openRepairs()).toBe('1');
    await expect.poll(() => repairs.getAttribute('aria-label')).toMatch(/^1 repairs open at tick/);
    await page.screenshot({ path: artifact('overview-live.png'), fullPage: true });

    // Back to the tick before the fault: the figures are the run's as of then.
    const timeline = region.getByRole('slider', { name: 'Time travel' });
    await timeline.fill(String(before));
    await expect.poll(() => region.textContent()).toContain(`As of tick ${before}`);
    await expect
      .poll(() => figuresOf(page))
      .toMatchObject({
        Failures: '0',
        'Open faults': '0',
        'Open repairs': '0',
      });
    await page.screenshot({ path: artifact('overview-travel.png') });
    // And back to live.
    await region.getByRole('button', { name: 'Back to live' }).click();
    await expect.poll(() => region.textContent()).toMatch(/Live, at tick \d+\./);
    await expect.poll(() => figuresOf(page)).toMatchObject({ Failures: '1' });
    // The crash's mark on the slider opens the blade on the map.
    await region
      .getByRole('list', { name: 'Faults and repairs on the timeline' })
      .getByRole('button', { name: new RegExp(`^crash started at tick \\d+ on ${blade}$`) })
      .click();
    await expect.poll(() => page.url()).toContain(`#/?blade=${encodeURIComponent(blade)}`);
    await expect
      .poll(() => page.getByRole('region', { name: new RegExp(blade) }).count())
      .toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
