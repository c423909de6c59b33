// Playwright config of the browser specs on the plugin harness (docs/browser-tests.md). Run from
// the repository root: npx playwright test -c tests/plugin-harness/playwright.config.ts
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './specs',
  // *.harness.ts, so the root playwright.config.ts (plugin-e2e against a real Grafana) never picks these up.
  testMatch: /.*\.harness\.ts$/,
  outputDir: './output/test-results',
  globalSetup: require.resolve('./global-setup.ts'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['html', { outputFolder: './output/report', open: 'never' }]],
  use: {
    viewport: { width: 1400, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
