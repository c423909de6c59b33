import { test } from '@playwright/test';
import { open, shot } from './harness';

test('smoke', async ({ page }) => {
  await open(page, '/a/hifreq-netmon-app/jobs');
  await page.waitForTimeout(5000);
  await shot(page, 'smoke-jobs');
  await open(page, '/a/hifreq-netmon-app/job?var-cluster=alpha&var-job=llama-pretrain&from=now-5m&to=now');
  await page.waitForTimeout(8000);
  await shot(page, 'smoke-job');
});
