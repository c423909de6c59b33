// The app's configuration page on the fake Grafana: validation and saving the plugin's jsonData.
import { expect, test } from '@playwright/test';

import { open, pageErrors, scenario, shot } from './harness';

test('the app configuration page validates and saves its settings', async ({ page }) => {
  const sc = scenario();
  await open(page, '/plugins/hifreq-netmon-app');
  const jobLabel = page.getByTestId('data-testid hifreq-app-config-job-label');
  await expect(jobLabel).toHaveValue('job_name');
  await jobLabel.fill('1bad-label');
  await expect(page.getByText('"1bad-label" is not a valid label name')).toBeVisible();
  await expect(page.getByTestId('data-testid hifreq-app-config-submit')).toBeDisabled();
  await shot(page, 'app-config-invalid');
  await jobLabel.fill('training_job');
  await page.getByTestId('data-testid hifreq-app-config-submit').click();
  await expect
    .poll(async () => (await (await page.request.get(`${sc.harnessUrl}/api/plugins/hifreq-netmon-app/settings`)).json()).jsonData.jobLabel)
    .toBe('training_job');
  // Restore what provisioning set, for the other specs.
  await page.request.post(`${sc.harnessUrl}/api/plugins/hifreq-netmon-app/settings`, {
    data: { enabled: true, pinned: false, jsonData: { datasourceUid: 'hifreq-vm', clusterLabel: 'cluster', jobLabel: 'job_name', podSelector: 'monitor=high-frequency' } },
  });
  expect(await pageErrors(page)).toEqual([]);
});
