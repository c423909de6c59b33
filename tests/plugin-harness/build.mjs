// Builds the plugin harness page into output/site/: esbuild bundles src/harness.tsx with the
// libraries Grafana shares with plugins (from the installed npm packages) into harness/harness.js.
// The bundle is generated at test time and never committed.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Output folder: the first argument, else output/site.
const site = process.argv[2] ?? join(here, 'output', 'site');
mkdirSync(join(site, 'harness'), { recursive: true });
cpSync(join(here, 'public', 'index.html'), join(site, 'index.html'));
// SystemJS 6 and its AMD extra, the loader Grafana uses for plugin modules.
const systemjs = join(here, '..', '..', 'node_modules', 'systemjs', 'dist');
cpSync(join(systemjs, 'system.js'), join(site, 'harness', 'system.js'));
cpSync(join(systemjs, 'extras', 'amd.js'), join(site, 'harness', 'amd.js'));
await build({
  entryPoints: [join(here, 'src', 'harness.tsx')],
  bundle: true,
  outfile: join(site, 'harness', 'harness.js'),
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  sourcemap: true,
  minify: false,
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl' },
  logLevel: 'warning',
  absWorkingDir: join(here, '..', '..'),
});
console.log(`plugin harness built into ${site}`);
