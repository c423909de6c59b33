// Helpers of the browser specs: the scenario global-setup.ts started, opening a page of the
// plugin harness, and screenshots under tests/plugin-harness/output/screenshots/.
import { type Page, expect, test } from '@playwright/test';
import { join } from 'node:path';

import type { Scenario } from '../global-setup';

export function scenario(): Scenario {
  const raw = process.env.HARNESS_SCENARIO;
  if (!raw) {
    throw new Error('HARNESS_SCENARIO is not set: run the specs with -c tests/plugin-harness/playwright.config.ts (its globalSetup starts the stack)');
  }
  return JSON.parse(raw) as Scenario;
}

/** Opens a path of the plugin harness and waits until the host has booted. */
export async function open(page: Page, path: string) {
  await page.goto(scenario().harnessUrl + path);
  await expect.poll(() => page.evaluate(() => (window as any).__harness?.ready === true), { message: 'the plugin harness booted' }).toBe(true);
  const bootErrors = (await page.evaluate(() => (window as any).__harness.errors as string[])).filter((e) => e.startsWith('boot:'));
  expect(bootErrors, 'the plugin harness failed to boot').toEqual([]);
}

/** Errors the page raised (uncaught exceptions and rejections). */
export async function pageErrors(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).__harness.errors as string[]);
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(__dirname, '..', 'output', 'screenshots', `${name}.png`), fullPage: true });
}

export interface SeriesRow {
  name: string;
  points: number;
  max: number | null;
  last: number | null;
  lastTime: number | null;
  step: number | null;
  median: number | null;
}

/** The series a harness panel (fake of a Grafana core panel) shows, by panel title; read in one go (panels re-render). */
export async function panelSeries(page: Page, title: string): Promise<SeriesRow[]> {
  const panel = page.locator('[data-viz-panel-key]', { has: page.getByRole('heading', { name: title, exact: true }) }).first();
  return panel.getByTestId('harness-series').evaluateAll((rows) =>
    rows.map((r) => {
      const num = (attr: string) => {
        const v = r.getAttribute(attr);
        return v === null || v === '' ? null : Number(v);
      };
      return {
        name: r.getAttribute('data-name') ?? '',
        points: num('data-points') ?? 0,
        max: num('data-max'),
        last: num('data-last'),
        lastTime: num('data-last-time'),
        step: num('data-step'),
        median: num('data-median'),
      };
    })
  );
}

// When a spec fails, say what the page itself reported (errors caught by error boundaries,
// uncaught exceptions): that is usually the reason.
test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    const errors = await page.evaluate(() => (window as any).__harness?.errors ?? []).catch(() => ['(page closed)']);
    const requests = await page
      .evaluate(() => ((window as any).__harness?.requests ?? []).map((r: any) => `${r.method} ${r.url} → ${r.status}`))
      .catch(() => []);
    const text =
      `plugin harness page errors:\n${(errors as string[]).join('\n') || '(none)'}\n` +
      `requests to the fake Grafana (last 15):\n${(requests as string[]).slice(-15).join('\n')}`;
    console.log(`[${testInfo.title}] ${text}`);
    await testInfo.attach('plugin harness page errors', { body: text, contentType: 'text/plain' });
  }
});
