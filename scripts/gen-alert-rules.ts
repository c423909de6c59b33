// Writes provisioning/alerting/hifreq-default-rules.yaml from the alert template catalog.
//   npx tsx scripts/gen-alert-rules.ts           write the file
//   npx tsx scripts/gen-alert-rules.ts --check   exit 1 if the file differs from the catalog
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVISIONING_FILE, provisioningFileText } from '../src/alerting/render';

const path = join(__dirname, '..', PROVISIONING_FILE);
const want = provisioningFileText();

if (process.argv.includes('--check')) {
  let have = '';
  try {
    have = readFileSync(path, 'utf8');
  } catch {
    have = '';
  }
  if (have !== want) {
    console.error(`${PROVISIONING_FILE} does not match src/alerting/catalog.ts: run npx tsx scripts/gen-alert-rules.ts and commit it.`);
    process.exit(1);
  }
  console.log(`${PROVISIONING_FILE} matches the catalog.`);
} else {
  writeFileSync(path, want);
  console.log(`wrote ${PROVISIONING_FILE}`);
}
