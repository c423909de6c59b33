// Generates, from the alert template catalog (src/alerting/catalog.ts):
//   provisioning/alerting/hifreq-default-rules.yaml   the default rule group (file provisioning)
//   the template reference section of docs/alerts.md
// Usage:
//   npx tsx scripts/gen-alert-rules.ts            write both
//   npx tsx scripts/gen-alert-rules.ts --check    exit 1 if either differs from the catalog
//   npx tsx scripts/gen-alert-rules.ts --render '{"templateId":"nic-drops","scope":{"cluster":"c1","job":"j1"},"params":{}}'
//                                                 print the rule the Alerts page would create (JSON)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVISIONING_FILE, provisioningFileText, renderApiRule } from '../src/alerting/render';
import { DOCS_FILE, withTemplates } from '../src/alerting/docs';

const root = join(__dirname, '..');
const read = (p: string) => {
  try {
    return readFileSync(join(root, p), 'utf8');
  } catch {
    return '';
  }
};

const renderIdx = process.argv.indexOf('--render');
if (renderIdx >= 0) {
  const arg = process.argv[renderIdx + 1];
  let input;
  try {
    input = JSON.parse(arg ?? '');
  } catch (e) {
    console.error(`--render takes one JSON argument {"templateId":...,"scope":{"cluster":...,"job":...},"params":{...}}: ${(e as Error).message}`);
    process.exit(2);
  }
  try {
    process.stdout.write(JSON.stringify(renderApiRule(input)) + '\n');
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  process.exit(0);
}

const want: Record<string, string> = {
  [PROVISIONING_FILE]: provisioningFileText(),
  [DOCS_FILE]: withTemplates(read(DOCS_FILE)),
};

if (process.argv.includes('--check')) {
  const stale = Object.keys(want).filter((p) => read(p) !== want[p]);
  if (stale.length > 0) {
    console.error(`${stale.join(' and ')} do not match src/alerting/catalog.ts: run npx tsx scripts/gen-alert-rules.ts and commit the result.`);
    process.exit(1);
  }
  console.log(`${Object.keys(want).join(' and ')} match the catalog.`);
} else {
  for (const [p, text] of Object.entries(want)) {
    writeFileSync(join(root, p), text);
    console.log(`wrote ${p}`);
  }
}
