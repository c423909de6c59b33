// The datasource's ConfigEditor on the (fake) datasource settings page: save, test, and a clear error.
import { expect, test } from '@playwright/test';

import { open, pageErrors, scenario, shot } from './harness';

const URL_INPUT = 'data-testid hifreq-config-url';
const SAVE_AND_TEST = 'data-testid Data source settings page Save and Test button';

test('the datasource config page saves and tests', async ({ page }) => {
  const sc = scenario();
  await open(page, '/connections/datasources/edit/hifreq-vm');
  const url = page.getByTestId(URL_INPUT);
  await expect(url).toHaveValue(sc.vmUrl);

  // An unreachable VictoriaMetrics: saved, and the test names the address.
  await url.fill('http://127.0.0.1:1');
  await page.getByTestId(SAVE_AND_TEST).click();
  const message = page.getByTestId('harness-test-message');
  await expect(message).toContainText('127.0.0.1:1');
  await shot(page, 'datasource-unreachable');
  let saved = await (await page.request.get(`${sc.harnessUrl}/api/datasources/uid/hifreq-vm`)).json();
  expect(saved.url).toBe('http://127.0.0.1:1');

  // Back to the real one: the new instance settings reach the backend, the test passes.
  await url.fill(sc.vmUrl);
  await page.getByTestId(SAVE_AND_TEST).click();
  await expect(message).toContainText(`VictoriaMetrics at ${sc.vmUrl} is reachable`);
  await expect(page.getByText('Data source is working')).toBeVisible();
  saved = await (await page.request.get(`${sc.harnessUrl}/api/datasources/uid/hifreq-vm`)).json();
  expect(saved.url).toBe(sc.vmUrl);
  expect(saved.version).toBeGreaterThanOrEqual(3);
  await shot(page, 'datasource-saved-and-tested');
  expect(await pageErrors(page)).toEqual([]);
});
