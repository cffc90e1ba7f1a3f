import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld } from '../system/frontend-world.js';
import {
  artifact,
  launchChromium,
  loadSmall,
  openPage,
  quickControlPlane,
  submitLogin,
  webRoot,
} from './browser.js';

// The Workloads page, the map's used capacity and a workload's highlight in
// Debian's Chromium, driven by Playwright, against a real frontend, stepper,
// inventory, monitor, repair manager, scheduler and workload repair manager on the `small`
// sample (two racks of four 16-core blades). Screenshots go to test-artifacts/.

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

const tickOf = async (page: Page) =>
  Number((await page.getByLabel('Tick').textContent())?.replace(/^tick (\d+).*$/, '$1'));

/** Steps the clock from the header, a tick at a time, until `done` (at most 20 ticks). */
async function stepUntil(page: Page, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (await done()) return;
    const before = await tickOf(page);
    await page.getByRole('button', { name: 'Step 1', exact: true }).click();
    await expect.poll(() => tickOf(page)).toBe(before + 1);
  }
  expect(await done()).toBe(true);
}

/** The text of a row's cell in the column headed `column` of `table`. */
async function cell(table: Locator, row: Locator, column: string): Promise<string> {
  const headers = await table.getByRole('columnheader').allTextContents();
  const index = headers.indexOf(column);
  return (await row.getByRole('cell').nth(index).textContent({ timeout: 1000 })) ?? '';
}

/** How many of the canvas's pixels are exactly `rgb`. */
function pixelsOf(page: Page, rgb: readonly [number, number, number]): Promise<number> {
  return page.getByRole('img', { name: /Inventory map/ }).evaluate((el: unknown, wanted) => {
    const c = el as {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === wanted[0] && data[i + 1] === wanted[1] && data[i + 2] === wanted[2]) n++;
    }
    return n;
  }, rgb);
}

describe('the Workloads page', () => {
  it('creates a workload from the form, sees it run, explains a placement, scales it (a change made meanwhile refused and reloaded), shows its blades filled and highlighted on the map, refuses a bad value with the API message and deletes after an in-page confirmation', async () => {
    const fw = await startFrontendWorld(
      'web-workloads',
      { ...quickControlPlane, workloads: true },
      { webRoot },
    );
    closers.push(() => fw.close());
    await loadSmall(fw);
    const { page, problems } = await openPage(browser, fw.url, { width: 1440, height: 900 });
    closers.push(() => page.close());
    await submitLogin(page, 'admin', adminPassword);
    await expect.poll(() => page.getByLabel('Tick').textContent()).toMatch(/^tick \d+$/);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('link', { name: 'Workloads' }).click();
    expect(page.url()).toMatch(/#\/workloads$/);
    const region = page.getByRole('region', { name: 'Workloads' });
    await expect.poll(() => region.textContent()).toContain('No workloads.');

    // A rule that needs a level, without one: the API refuses, naming the field.
    const form = region.getByRole('form', { name: 'Create a workload' });
    await form.getByLabel('Name').fill('web');
    await form.getByLabel('Image').fill('web-1');
    await form.getByLabel('Placement rule').selectOption('strong_anti_affinity');
    await form.getByLabel('Cores').fill('4');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toMatch(
        /^Not accepted \(400 invalid_argument\): .*placement\.level must be one of blade, rack, zone/,
      );
    // A limit of the API's schema is refused before sending: at least 1 core.
    await form.getByLabel('Level').selectOption('rack');
    await form.getByLabel('Cores').fill('0');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('Not accepted: cores must be at least 1, as the API requires.');
    await form.getByLabel('Cores').fill('4');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toMatch(/^Workload web is created at tick \d+\.$/);
    await expect.poll(async () => form.getByRole('alert').count()).toBe(0);

    // It runs after some steps of the clock: desired 2, running 2, observed running 2.
    const table = region.getByRole('table', { name: 'Workloads' });
    const row = table.getByRole('row').filter({ hasText: 'web-1' });
    await stepUntil(
      page,
      async () => (await row.count()) === 1 && (await cell(table, row, 'Observed running')) === '2',
    );
    expect(await cell(table, row, 'Desired')).toBe('2');
    expect(await cell(table, row, 'Running')).toBe('2');
    expect(await cell(table, row, 'Placement')).toBe('strong anti-affinity by rack');
    expect(await cell(table, row, 'Demand per instance')).toBe(
      '4 cores, 4 GiB memory, 10 GiB disk',
    );

    // Its instances, and instance 0's placement explained as tables.
    await row.getByRole('link', { name: 'web' }).click();
    const instances = region.getByRole('table', { name: 'Instances of web' });
    const first = instances.getByRole('row').filter({ hasText: /^0/ });
    await expect.poll(() => cell(instances, first, 'State')).toBe('running');
    expect(await cell(instances, first, 'Observed')).toBe('running');
    const blade = await cell(instances, first, 'Blade');
    expect(blade).toMatch(/^small\/z1\/rack[12]\/blade\/\d$/);
    await first.getByRole('button', { name: 'Explain' }).click();
    const candidates = region.getByRole('table', { name: 'Candidates' });
    await expect.poll(() => candidates.textContent()).toContain(`${blade} (chosen)`);
    expect(await candidates.getByRole('columnheader').allTextContents()).toContain('spread');
    const filtered = region.getByRole('table', { name: 'Filtered out' });
    await expect.poll(() => filtered.textContent()).toMatch(/^Blades set aside, by filter/);
    await page.screenshot({ path: artifact('workloads-explained.png') });

    // Scale to 3: two racks hold only two under anti-affinity by rack; the third waits, saying why.
    const scale = row.getByRole('form', { name: 'Scale web' });
    // Changed by someone else after the edit began (and applied at a tick): refused, and reloaded.
    await scale.getByLabel('Instances').fill('3');
    await fw.admin.call('updateWorkload', { params: { name: 'web' }, body: { maxUnavailable: 2 } });
    await stepUntil(page, async () => (await cell(table, row, 'Max unavailable')) === '2');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toBe('web changed meanwhile, reloaded: look again and retry.');
    expect(await cell(table, row, 'Desired')).toBe('2');
    await scale.getByLabel('Instances').fill('3');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toMatch(/^web scales to 3 at tick \d+\.$/);
    await stepUntil(page, async () => (await cell(table, row, 'Phase')) === 'degraded');
    expect(await cell(table, row, 'Desired')).toBe('3');
    const third = instances.getByRole('row').filter({ hasText: /^2/ });
    await expect.poll(() => cell(instances, third, 'State')).toBe('pending');
    await third.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => filtered.textContent()).toContain('8 blades would break');
    await page.screenshot({ path: artifact('workloads-page.png') });

    // The blade link opens the map with that blade selected, the workload highlighted and filled.
    await first.getByRole('link', { name: blade }).click();
    expect(page.url()).toContain('#/?blade=');
    const detail = page.getByRole('region', { name: new RegExp(`blade ${blade}`) });
    const placed = detail.getByRole('region', { name: 'Instances' });
    await expect.poll(() => placed.textContent()).toMatch(/4 of 16 cores used/);
    expect(await placed.textContent()).toMatch(/web\/0 running · observed running · 4 cores/);
    const legend = page.getByRole('list', { name: 'Legend, workloads' });
    await expect.poll(() => legend.textContent()).toContain('workload web: 2 blades marked');
    expect(await legend.textContent()).toContain('2 blades hold instances');
    // The highlight's outline (#7b2cbf) and the used-capacity bar (#1d2433) are drawn.
    await expect.poll(() => pixelsOf(page, [0x7b, 0x2c, 0xbf])).toBeGreaterThan(20);
    await expect.poll(() => pixelsOf(page, [0x1d, 0x24, 0x33])).toBeGreaterThan(20);
    await page.screenshot({ path: artifact('workloads-map.png') });

    // The detail panel's link goes back to the workload; delete it after the in-page confirmation.
    await placed.getByRole('link', { name: 'web/0' }).click();
    expect(page.url()).toMatch(/#\/workloads\?name=web$/);
    await row.getByRole('button', { name: 'Delete…' }).click();
    const confirm = region.getByRole('alertdialog', { name: 'Delete web?' });
    await confirm.getByRole('button', { name: 'Delete web' }).click();
    await expect
      .poll(() => region.getByRole('status').textContent())
      .toMatch(/^web is deleted at tick \d+: its instances stop\.$/);
    await stepUntil(
      page,
      async () => (await region.textContent())?.includes('No workloads.') ?? false,
    );
    // The two refusals above (400, 412) are the browser's only complaints.
    expect(problems.filter((p) => !/status of (400|412)/.test(p))).toEqual([]);
    expect(problems.filter((p) => /status of (400|412)/.test(p))).toHaveLength(2);
  });
});
