import { ApiClient, type ScenarioRun } from '@chamber/api';
import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckedClient } from '../system/frontend-world.js';
import {
  repo,
  serveFrontendFor,
  startScenariosProcess,
  startSimulationProcesses,
} from '../system/processes.js';
import { artifact, launchChromium, openPage, submitLogin, webRoot } from './browser.js';

// The Scenarios page in Debian's Chromium, driven by Playwright, against a
// simulation run as the launcher runs it (a process per service, the
// scenarios service too, the `small` sample loaded) and a frontend serving
// the built dashboard. Screenshots go to test-artifacts/.

/**
 * A scenario on the `small` sample: a blade crashes at tick 80 (a fault
 * scheduled at tick 2 for then), and the run goes tick by tick from its last
 * checkpoint (tick 10) until the crash is seen: the progress moves.
 */
const lateCrash = `name: late-crash
seed: 3
inventory:
  sample: small
timeline:
  - at: 2
    fault:
      id: late-crash
      kind: crash
      targets: [small/z1/rack1/blade/0]
      at: 80
run:
  until: { element: { path: small/z1/rack1/blade/0, view: actual, is: crashed }, within: 150 }
expect:
  - at: 10
    state: { path: small/z1/rack1/blade/0, view: actual, is: working }
  - at: end
    state: { path: small/z1/rack1/blade/1, view: actual, is: working }
`;

const cleanup: Array<() => Promise<void> | void> = [];
let browser: Browser;
let url: string;
let admin: ApiClient;

beforeAll(async () => {
  browser = await launchChromium();
  cleanup.push(() => browser.close());
  const sim = await startSimulationProcesses({
    label: 'web-scenarios',
    seed: 1,
    cleanup,
    env: { inventory: { CHAMBER_INVENTORY_DEFINITION: 'small' } },
  });
  const scenarios = await startScenariosProcess(sim, {
    // Every step of a run written: the page sees each tick of its progress.
    env: { CHAMBER_SCENARIOS_PROGRESS_MS: '0' },
  });
  cleanup.push(() => scenarios.child.kill('SIGKILL'));
  const adminPassword = 'scenarios-page-admin';
  url = await serveFrontendFor(sim, scenarios.address, { adminPassword, cleanup, webRoot });
  const login = await new ApiClient({ baseUrl: url }).call('logIn', {
    body: { user: 'admin', password: adminPassword },
  });
  admin = new CheckedClient({
    baseUrl: url,
    cookie: login.headers.get('set-cookie')!.split(';')[0]!,
  });
  await admin.call('createUser', {
    body: { name: 'watcher', password: 'watcher-password', rights: ['inject_faults'] },
  });
  await admin.call('createUser', {
    body: { name: 'keeper', password: 'keeper-password', rights: ['step_time'] },
  });
}, budgets.hookMs);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
}, budgets.hookMs);

/** The Scenarios page of the dashboard, logged in as `user`, at `width`×900. */
async function scenariosPage(
  user: string,
  password: string,
  width = 1440,
): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser, `${url}/#/scenarios`, { width, height: 900 });
  cleanup.push(() => opened.page.close());
  await submitLogin(opened.page, user, password);
  await opened.page.getByRole('heading', { name: 'Scenarios' }).waitFor();
  return opened;
}

/** Whether the page is wider than its window. */
const scrollWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

describe('the Scenarios page', () => {
  it('checks a pasted scenario (its figures, or every problem at file:line:col), runs it after an in-page confirmation, follows its progress live to the report, and is readable at 420 px', async () => {
    const { page, problems } = await scenariosPage('admin', 'scenarios-page-admin');
    const nav = page.getByRole('navigation', { name: 'Pages' });
    expect(await nav.getByRole('link', { name: 'Scenarios' }).getAttribute('aria-current')).toBe(
      'page',
    );
    await expect.poll(() => page.getByRole('main').textContent()).toContain('No runs yet.');
    const form = page.getByRole('form', { name: 'Scenario' });
    const text = form.getByLabel('Scenario (YAML)');

    // A malformed file: each problem a line at file:line:col, nothing run.
    await text.fill(
      lateCrash.replace('kind: crash', 'kind: crush').replace('is: working', 'is: wrking'),
    );
    await form.getByRole('button', { name: 'Check' }).click();
    const found = page.getByRole('alert', { name: 'Problems' }).getByRole('listitem');
    await expect.poll(() => found.count()).toBeGreaterThanOrEqual(2);
    for (const line of await found.allTextContents()) {
      expect(line).toMatch(/^pasted\.yaml:\d+:\d+: /);
    }
    expect((await found.allTextContents()).join('\n')).toMatch(/pasted\.yaml:9:\d+: .*crush/);
    await page.screenshot({ path: artifact('scenarios-problems.png'), fullPage: true });

    // A good one: its figures.
    await text.fill(lateCrash);
    await expect.poll(() => found.count()).toBe(0);
    await form.getByRole('button', { name: 'Check' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toBe('late-crash checks out: 1 input on its timeline, 2 expectations, last tick 150.');

    // Run: confirmed in the page, not by a dialog of the browser.
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await form.getByRole('button', { name: 'Run…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Run the scenario?' });
    expect(await confirm.textContent()).toContain('resets the simulation');
    // Every value the progress bar shows, as the page renders it.
    await page.evaluate(`(() => {
      const seen = (window.seen = []);
      new MutationObserver(() => {
        const bar = document.querySelector('progress');
        if (bar !== null && seen.at(-1) !== bar.value) seen.push(bar.value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    })()`);
    await confirm.getByRole('button', { name: 'Reset and run' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    const runs = page.getByRole('list', { name: 'Runs' }).getByRole('listitem');
    await expect.poll(() => runs.count()).toBe(1);
    const headline = page.locator('.report .headline');
    await expect
      .poll(() => headline.textContent(), { timeout: budgets.testMs })
      .toMatch(/^Passed at tick 80: 2 of 2 expectations held/);
    const seen = await page.evaluate<number[]>('window.seen');
    // It moved: ticks between the start and the end were shown, in order.
    const between = seen.filter((v) => v > 0 && v < 150);
    expect(between.length, `progress seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect([...between].sort((a, b) => a - b)).toEqual(between);

    // The report: each expectation, held, with what it saw and where; the digest, as the API's.
    const expectations = page.getByRole('table', { name: 'Expectations' }).getByRole('row');
    expect(await expectations.allTextContents()).toEqual([
      'HeldTickExpectedObservedWhere',
      expect.stringMatching(
        /^✓10.*small\/z1\/rack1\/blade\/0.*working.*working.*pasted\.yaml:15:5$/,
      ),
      expect.stringMatching(
        /^✓80.*small\/z1\/rack1\/blade\/1.*working.*working.*pasted\.yaml:17:5$/,
      ),
    ]);
    const listed = (await admin.call<{ runs: ScenarioRun[] }>('listScenarioRuns')).body.runs;
    expect(listed).toHaveLength(1);
    const run: ScenarioRun = (
      await admin.call<ScenarioRun>('getScenarioRun', { params: { id: listed[0]!.id } })
    ).body;
    expect(run.report?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.getByLabel('Digest').textContent()).toBe(run.report?.digest);
    expect(await runs.first().textContent()).toMatch(/^late-crash passed seed 3/);
    expect(await page.getByRole('main').textContent()).not.toMatch(/RUN_STATE_/);
    await page.screenshot({ path: artifact('scenarios-report.png'), fullPage: true });

    // Narrow: nothing wider than the window.
    await page.setViewportSize({ width: 420, height: 900 });
    await expect.poll(() => scrollWidth(page)).toBeLessThanOrEqual(420);
    await page.screenshot({ path: artifact('scenarios-narrow.png'), fullPage: true });
    // The browser logs the malformed file's refusal (a 400) as an error of its own; nothing else.
    expect(problems.filter((p) => !p.includes('status of 400 (Bad Request)'))).toEqual([]);
  });

  it('shows a user without step_time the past runs and their reports, with Run disabled saying why, lets it check a shipped scenario, and exports the simulation’s run into the page as a file to check or download', async () => {
    const { page, problems } = await scenariosPage('watcher', 'watcher-password', 420);
    const runs = page.getByRole('list', { name: 'Runs' }).getByRole('listitem');
    await expect.poll(() => runs.count()).toBe(1);
    await runs.first().getByRole('button', { name: 'late-crash' }).click();
    await expect
      .poll(() => page.locator('.report .headline').textContent())
      .toMatch(/^Passed at tick 80/);
    const form = page.getByRole('form', { name: 'Scenario' });
    await form.getByLabel('Scenario (YAML)').fill(lateCrash);
    const run = form.getByRole('button', { name: 'Run…' });
    expect(await run.isDisabled()).toBe(true);
    expect(await run.getAttribute('title')).toMatch(/needs the right "step_time"/);
    // Checking needs no right: a shipped scenario, chosen from the list.
    const shipped = fs.readdirSync(path.join(repo, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    const choice = form.getByLabel('Or a shipped one');
    await expect
      .poll(() => choice.getByRole('option').allTextContents())
      .toEqual(['choose…', ...shipped.sort()]);
    await choice.selectOption('pdu-failure-spread.yaml');
    expect(await form.getByLabel('Scenario (YAML)').inputValue()).toBe(
      fs.readFileSync(path.join(repo, 'scenarios/pdu-failure-spread.yaml'), 'utf8'),
    );
    await form.getByRole('button', { name: 'Check' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toMatch(/^pdu-failure-spread checks out: \d+ inputs? on its timeline/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(420);
    await page.screenshot({ path: artifact('scenarios-watcher-narrow.png'), fullPage: true });

    // The simulation's run so far, exported as a scenario: into the box, checked, downloadable.
    await form.getByRole('button', { name: "Export the simulation's run" }).click();
    await expect
      .poll(() => form.getByLabel('Scenario (YAML)').inputValue())
      .toMatch(/digest: [0-9a-f]{64}/);
    const link = form.getByRole('link', { name: 'Download exported.yaml' });
    expect(await link.getAttribute('download')).toBe('exported.yaml');
    await form.getByRole('button', { name: 'Check' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toMatch(/checks out: /);
    expect(problems).toEqual([]);
  });

  it('shows the refusal of a run whose inputs need a right the user lacks, naming it, and runs nothing', async () => {
    const { page, problems } = await scenariosPage('keeper', 'keeper-password');
    const runs = page.getByRole('list', { name: 'Runs' }).getByRole('listitem');
    await expect.poll(() => runs.count()).toBe(1);
    const form = page.getByRole('form', { name: 'Scenario' });
    await form.getByLabel('Scenario (YAML)').fill(lateCrash);
    await form.getByRole('button', { name: 'Run…' }).click();
    await page
      .getByRole('alertdialog', { name: 'Run the scenario?' })
      .getByRole('button', { name: 'Reset and run' })
      .click();
    await expect
      .poll(() => page.getByRole('alert', { name: 'Run refused' }).textContent())
      .toMatch(
        /^Refused \(403 permission_denied\): running scenario late-crash needs the right\(s\) "inject_faults"/,
      );
    expect(await runs.count()).toBe(1);
    expect((await admin.call<{ runs: ScenarioRun[] }>('listScenarioRuns')).body.runs).toHaveLength(
      1,
    );
    // The browser logs the refusal (a 403) as an error of its own; nothing else.
    expect(problems.filter((p) => !p.includes('status of 403 (Forbidden)'))).toEqual([]);
  });

  it('plans a scenario against the running simulation in words (what stands in the way too), and applies it after an in-page confirmation, nothing reset', async () => {
    const { page, problems } = await scenariosPage('admin', 'scenarios-page-admin');
    const runs = page.getByRole('list', { name: 'Runs' }).getByRole('listitem');
    const before = (await admin.call<{ runs: ScenarioRun[] }>('listScenarioRuns')).body.runs.length;
    await expect.poll(() => runs.count()).toBe(before);
    const form = page.getByRole('form', { name: 'Scenario' });
    const text = form.getByLabel('Scenario (YAML)');

    // A workload the file creates exists already: the plan says so.
    const ghost = {
      name: 'ghost',
      instances: 1,
      demand: { cores: 1 },
      image: 'g1',
      placement: { rule: 'none' },
    };
    const created = await admin.call<{ effectiveTick: number }>('createWorkload', { body: ghost });
    await admin.call('runUntil', { body: { tick: created.body.effectiveTick } });
    await text.fill(
      lateCrash.replace(
        'timeline:\n',
        'workloads:\n  - { name: ghost, instances: 1, demand: { cores: 1 }, image: g1, placement: { rule: none } }\ntimeline:\n',
      ),
    );
    await form.getByRole('button', { name: 'Plan' }).click();
    const inTheWay = page.getByRole('alert', { name: 'In the way' }).getByRole('listitem');
    await expect
      .poll(() => inTheWay.allTextContents())
      .toEqual([expect.stringMatching(/workload ghost exists already/)]);

    // Its fault under an id of its own (the run above injected late-crash already), at its
    // entry's tick: an apply takes a fault's own schedule.at as it is, not counted from now.
    await text.fill(
      lateCrash.replace('id: late-crash', 'id: late-crash-applied').replace('      at: 80\n', ''),
    );
    await form.getByRole('button', { name: 'Plan' }).click();
    const plan = page.getByRole('region', { name: 'Plan' });
    await expect.poll(() => plan.textContent()).toMatch(/Counted from tick \d+/);
    const now = Number(/Counted from tick (\d+)/.exec((await plan.textContent()) ?? '')![1]);
    expect(await plan.textContent()).toContain(
      'The definition in force is the scenario’s: nothing to load.',
    );
    const inputs = plan.getByRole('table', { name: 'Inputs' }).getByRole('row');
    expect(await inputs.allTextContents()).toEqual([
      'TickInputWhere',
      expect.stringMatching(
        new RegExp(`^${now + 2}.*crash.*small/z1/rack1/blade/0.*pasted\\.yaml:6:5$`),
      ),
    ]);
    await page.screenshot({ path: artifact('scenarios-plan.png'), fullPage: true });

    await form.getByRole('button', { name: 'Apply…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Apply the scenario?' });
    expect(await confirm.textContent()).toContain('Nothing is reset');
    const previous = (await admin.call<{ runs: ScenarioRun[] }>('listScenarioRuns')).body.runs[0]
      ?.id;
    await confirm.getByRole('button', { name: 'Apply now' }).click();
    const latest = async () =>
      (await admin.call<{ runs: ScenarioRun[] }>('listScenarioRuns')).body.runs[0]!;
    // Ended: the newest run is not the one listed before, and no longer running.
    await expect
      .poll(async () => {
        const run = await latest();
        return run.id !== previous && run.state !== 'RUN_STATE_RUNNING';
      })
      .toBe(true);
    const ended = await latest();
    expect(ended.state, ended.reason).toBe('RUN_STATE_APPLIED');
    await expect.poll(() => runs.count()).toBe(before + 1);
    await expect.poll(() => runs.first().textContent()).toMatch(/^late-crash applied /);
    const applied = page.getByRole('region', { name: 'What it applied' });
    await expect.poll(() => applied.count()).toBe(1);
    expect(await applied.getByRole('table', { name: 'Inputs' }).textContent()).toContain(
      String(now + 2),
    );
    expect(ended.mode).toBe('RUN_MODE_APPLY');
    expect(await page.getByRole('main').textContent()).not.toMatch(/RUN_(STATE|MODE)_/);
    await page.screenshot({ path: artifact('scenarios-applied.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
