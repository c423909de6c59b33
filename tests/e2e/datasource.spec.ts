// The datasource's config page and query errors on a full Grafana (see jobs.spec.ts).
import { expect, test } from '@grafana/plugin-e2e';

test('the provisioned datasource saves and tests', async ({ gotoDataSourceConfigPage, page }) => {
  const configPage = await gotoDataSourceConfigPage('hifreq-vm');
  await expect(page.getByTestId('data-testid hifreq-config-url')).not.toHaveValue('');
  await expect(configPage.saveAndTest()).toBeOK();
  await expect(configPage).toHaveAlert('success');
});

test('a bad URL is refused with a readable message before saving', async ({ createDataSourceConfigPage, page }) => {
  await createDataSourceConfigPage({ type: 'hifreq-netmon-datasource' });
  const url = page.getByTestId('data-testid hifreq-config-url');
  await url.fill('ftp://victoriametrics');
  await expect(page.getByText('The URL must start with http:// or https://, not ftp://.')).toBeVisible();
  await url.fill('http://127.0.0.1:1');
  await expect(page.getByText(/The URL must start/)).toHaveCount(0);
});

test('the app configuration page validates label names', async ({ gotoAppConfigPage, page }) => {
  await gotoAppConfigPage({ pluginId: 'hifreq-netmon-app' });
  const jobLabel = page.getByTestId('data-testid hifreq-app-config-job-label');
  await expect(jobLabel).toHaveValue('job_name');
  await jobLabel.fill('1bad-label');
  await expect(page.getByText('"1bad-label" is not a valid label name')).toBeVisible();
  await expect(page.getByTestId('data-testid hifreq-app-config-submit')).toBeDisabled();
});
