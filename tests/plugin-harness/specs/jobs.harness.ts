// The app's pages with a real VictoriaMetrics fed by two real agents, behind the fake Grafana.
import { expect, test } from '@playwright/test';

import { open, pageErrors, panelSeries, scenario, shot } from './harness';

// The job page runs 14 panels' queries: give it time on a shared, loaded machine.
test.setTimeout(180_000);

// @grafana/ui Select's options (single-value variables).
const option = (page: import('@playwright/test').Page, name: string) =>
  page.getByTestId('data-testid Select option').filter({ hasText: new RegExp(`^${name}$`) });
/** Opens a variable's picker: focus it, then ArrowDown (the keyboard opens the menu reliably). */
async function openPicker(locator: import('@playwright/test').Locator) {
  await locator.click();
  await locator.page().keyboard.press('ArrowDown');
}
const VALUE = (v: string) => `data-testid Dashboard template variables Variable Value DropDown value link text ${v}`;

test('variables list the clusters with data and the jobs of the picked cluster', async ({ page }) => {
  const sc = scenario();
  await open(page, '/a/hifreq-netmon-app/job?var-cluster=alpha&var-job=llama-pretrain&from=now-5m&to=now');
  // The cluster variable lists both clusters the agents write.
  await openPicker(page.getByTestId(VALUE('alpha')));
  await expect(option(page, 'alpha')).toBeVisible();
  const clusterOptions = await page.getByTestId('data-testid Select option').allInnerTexts();
  expect(clusterOptions.map((t) => t.trim()).sort()).toEqual(sc.clusters.map((c) => c.cluster).sort());
  await option(page, 'beta').click();
  // The job variable now lists beta's job only.
  await expect(page.getByTestId(VALUE('bert-finetune'))).toBeVisible();
  await openPicker(page.getByTestId(VALUE('bert-finetune')));
  await expect(option(page, 'bert-finetune')).toBeVisible();
  const jobOptions = await page.getByTestId('data-testid Select option').allInnerTexts();
  expect(jobOptions.map((t) => t.trim())).toEqual(['bert-finetune']);
  await shot(page, 'variables-job-of-beta');
  expect(await pageErrors(page)).toEqual([]);
});

test('pick a cluster, pick a job: the job page shows the 1 s data', async ({ page }) => {
  const sc = scenario();
  await open(page, '/a/hifreq-netmon-app/jobs');
  await expect(page.getByTestId('data-testid hifreq-jobs-error')).toHaveCount(0);
  // Pick the cluster "beta" in the cluster picker.
  await openPicker(page.getByTestId(/^data-testid Dashboard template variables Variable Value DropDown value link text/).first());
  await option(page, 'beta').click();
  const table = page.getByTestId('data-testid hifreq-jobs-table');
  await expect(table).toBeVisible();
  await expect(table.getByRole('link', { name: 'bert-finetune' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'llama-pretrain' })).toHaveCount(0);
  await shot(page, 'jobs-of-beta');

  await table.getByRole('link', { name: 'bert-finetune' }).click();
  await expect(page).toHaveURL(/var-cluster=beta/);
  await expect(page).toHaveURL(/var-job=bert-finetune/);
  // The job page opens with the Jobs page's 6 hours; pick the last 5 minutes in the time picker.
  await page.getByRole('button', { name: /Last 6 hours/ }).first().click();
  await page.getByText('Last 5 minutes', { exact: true }).click();
  await expect(page).toHaveURL(/from=now-5m/);
  // One point a second at beta's 2 MB/s (shown in bit/s) in the per-node receive panel.
  const beta = sc.clusters[1];
  await expect
    .poll(async () => (await panelSeries(page, 'IB receive per node')).find((s) => s.name.includes(beta.node))?.points ?? 0, {
      message: 'IB receive per node shows a 1 s series for the node of beta',
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(20);
  const [series] = (await panelSeries(page, 'IB receive per node')).filter((s) => s.name.includes(beta.node));
  expect(series.step, 'spacing of the points (ms)').toBe(1000);
  const typical = 8 * 2 * sc.ibBytesPerSecond;
  expect(Math.abs((series.median ?? 0) - typical) / typical, `median ${series.median} vs ${typical} bit/s`).toBeLessThan(0.05);
  await expect(page.getByTestId('harness-panel-error')).toHaveCount(0);
  await shot(page, 'job-network-beta');
  expect(await pageErrors(page)).toEqual([]);
});

test('zoomed out to 6 hours, the job panel keeps the one-second burst', async ({ page }) => {
  const sc = scenario();
  const alpha = sc.clusters[0];
  await open(page, `/a/hifreq-netmon-app/job?var-cluster=${alpha.cluster}&var-job=${alpha.job}&var-envelope=max&from=now-6h&to=now`);
  const burst = 8 * (sc.ibBytesPerSecond + sc.ibBurstBytes); // bit/s
  await expect
    .poll(async () => (await panelSeries(page, 'IB receive per node')).find((s) => s.name.includes(alpha.node))?.max ?? 0, {
      message: 'the 6 h view of IB receive per node shows the burst second at its full height',
      timeout: 60_000,
    })
    .toBeGreaterThan(0.95 * burst);
  const [series] = (await panelSeries(page, 'IB receive per node')).filter((s) => s.name.includes(alpha.node));
  expect(series.max).toBeLessThan(1.05 * burst);
  await shot(page, 'job-network-6h-burst');
});

test('Live adds a new second to the open panel', async ({ page }) => {
  const sc = scenario();
  const alpha = sc.clusters[0];
  await open(page, `/a/hifreq-netmon-app/job?var-cluster=${alpha.cluster}&var-job=${alpha.job}&from=now-5m&to=now&var-live=true`);
  await expect
    .poll(() => page.evaluate(() => (window as any).__harness.livePackets as number), { message: 'Live stream packets reach the page', timeout: 60_000 })
    .toBeGreaterThanOrEqual(1);
  const nodeSeries = async () => (await panelSeries(page, 'IB receive per node')).find((s) => s.name.includes(alpha.node));
  await expect.poll(async () => (await nodeSeries())?.points ?? 0, { message: 'the live panel shows the node of alpha', timeout: 60_000 }).toBeGreaterThan(0);
  const first = await nodeSeries();
  const queries = () => page.evaluate(() => ((window as any).__harness.requests as Array<{ url: string }>).filter((r) => r.url.startsWith('/api/ds/query')).length);
  const queriesBefore = await queries();
  // New seconds arrive through the stream: the newest point moves forward by whole seconds...
  await expect
    .poll(async () => ((await nodeSeries())?.lastTime ?? 0) - (first!.lastTime ?? 0), { message: 'the newest point advances by 3 s', timeout: 30_000 })
    .toBeGreaterThanOrEqual(3000);
  const later = (await nodeSeries())!;
  expect(((later.lastTime ?? 0) - (first!.lastTime ?? 0)) % 1000, 'new points are whole seconds later').toBe(0);
  expect(later.step, 'spacing of the points (ms)').toBe(1000);
  expect(Math.abs((later.median ?? 0) - 8 * sc.ibBytesPerSecond) / (8 * sc.ibBytesPerSecond)).toBeLessThan(0.05);
  // ...without the page querying again (no refresh: Live pushed them).
  expect(await queries(), 'POST /api/ds/query requests while streaming').toBe(queriesBefore);
  // Streams of signals without data in the last minute (pod drops: the fake pods have no pid)
  // start with an empty frame: no panel is left loading.
  await expect
    .poll(() => page.locator('[data-testid="harness-panel"][data-state="Loading"]').count(), { message: 'panels still loading with Live on', timeout: 15_000 })
    .toBe(0);
  await shot(page, 'job-network-live');
});

test('the jobs table shows each job’s peak throughput and error counters', async ({ page }) => {
  const sc = scenario();
  for (const [i, c] of sc.clusters.entries()) {
    await open(page, `/a/hifreq-netmon-app/jobs?var-cluster=${c.cluster}&from=now-6h&to=now`);
    const table = page.getByTestId('data-testid hifreq-jobs-table');
    const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: c.job }) });
    // The burst second: IB receive (i+1) MB/s + the burst, transmit half of that (the fake host
    // writes port_xmit_data_64 at half the receive words): 1.212 Gb/s for alpha, 1.224 for beta.
    const peak = 8 * 1.5 * (sc.ibBytesPerSecond * (i + 1) + sc.ibBurstBytes);
    const errors = sc.symbolErrorsAtBurst * (i + 1) + sc.nicDropsAtBurst;
    const time = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
    await expect(row.getByRole('cell')).toHaveText([c.namespace, c.job, c.cluster, '1', '1', time, time, /^\d\.\d\d Gb\/s$/, String(errors)]);
    // A rate divides by the samples' own timestamps, which the agent takes when it reads (a few ms
    // of jitter: beta showed 1.23 Gb/s for 1.224 in two of two runs): within 5 %, as the other specs.
    const shown = Number((await row.getByRole('cell').nth(7).innerText()).split(' ')[0]) * 1e9;
    expect(Math.abs(shown - peak) / peak, `peak ${shown} vs ${peak} bit/s`).toBeLessThan(0.05);
    // The tooltip splits the total by signal, largest first (zeros by name).
    const split = [`ib_symbol_errors ${sc.symbolErrorsAtBurst * (i + 1)}`, `nic_drops ${sc.nicDropsAtBurst}`].sort(
      (a, b) => Number(b.split(' ')[1]) - Number(a.split(' ')[1])
    );
    await expect(row.getByRole('cell').nth(8)).toHaveAttribute(
      'title',
      `Increase in the time range: ${split.join(', ')}, ib_link_downed 0, ib_port_errors 0, nic_errors 0`
    );
    await shot(page, `jobs-table-${c.cluster}`);
  }
  expect(await pageErrors(page)).toEqual([]);
});
