// @grafana/plugin-e2e specs for a full Grafana with the plugin (the compose stack: agents of
// cluster-a and cluster-b writing into VictoriaMetrics). Run: GRAFANA_URL=http://localhost:3000 npm run e2e
import { expect, test } from '@grafana/plugin-e2e';

const APP = 'hifreq-netmon-app';
const VALUE = (v: string) => `data-testid Dashboard template variables Variable Value DropDown value link text ${v}`;
const CLUSTERS = (process.env.HIFREQ_E2E_CLUSTERS ?? 'cluster-a,cluster-b').split(',');

test('the cluster variable lists the clusters with data, the Jobs page lists their jobs', async ({
  gotoAppPage,
  page,
}) => {
  await gotoAppPage({ pluginId: APP, path: 'jobs' });
  const picker = page
    .getByTestId(VALUE(CLUSTERS[0]))
    .or(page.getByTestId(VALUE(CLUSTERS[1])))
    .first();
  await picker.click();
  const options = (await page.getByRole('option').allInnerTexts()).map((t) => t.trim()).sort();
  expect(options).toEqual([...CLUSTERS].sort());
  await page.getByRole('option', { name: CLUSTERS[1], exact: true }).click();
  const table = page.getByTestId('data-testid hifreq-jobs-table');
  await expect(table).toBeVisible();
  await expect(table.getByRole('link').first()).toBeVisible();
  const headers = (await table.getByRole('columnheader').allInnerTexts()).map((t) => t.replace(/[▲▼]/g, '').trim());
  expect(headers).toEqual(['Namespace', 'Job', 'Cluster', 'Nodes', 'Pods', 'First seen', 'Last seen', 'Peak throughput', 'Errors']);
  await page.screenshot({ path: test.info().outputPath('jobs.png'), fullPage: true });
});

test('a job link opens the job network page with its variables in the URL and 1 s data', async ({
  gotoAppPage,
  page,
}) => {
  await gotoAppPage({ pluginId: APP, path: 'jobs' });
  const table = page.getByTestId('data-testid hifreq-jobs-table');
  await expect(table).toBeVisible();
  const link = table.getByRole('link').first();
  const job = (await link.innerText()).trim();
  await link.click();
  await expect(page).toHaveURL(new RegExp(`var-job=${encodeURIComponent(job)}`));
  await expect(page.getByRole('heading', { name: 'IB receive per node' })).toBeVisible();
  await expect(page.getByText('No data for this job in the time range')).toHaveCount(0, { timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath('job-network.png'), fullPage: true });
});

test('Live streams the job page without a dashboard refresh', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: APP, path: 'jobs' });
  const link = page.getByTestId('data-testid hifreq-jobs-table').getByRole('link').first();
  await link.click();
  const live = page.waitForRequest((r) => r.url().includes('/api/live/ws'), { timeout: 30_000 });
  await page.goto(`${page.url()}&var-live=true`);
  await live;
  await page.screenshot({ path: test.info().outputPath('job-network-live.png'), fullPage: true });
});

test('the included dashboard hifreq-job-network has the cluster and job variables', async ({
  gotoDashboardPage,
  page,
}) => {
  await gotoDashboardPage({ uid: 'hifreq-job-network' });
  await expect(page.getByText('Cluster', { exact: true }).first()).toBeVisible();
  await expect(page.getByText('Job', { exact: true }).first()).toBeVisible();
});
