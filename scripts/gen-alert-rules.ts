// Generates, from the alert template catalog (src/alerting/catalog.ts):
//   provisioning/alerting/hifreq-default-rules.yaml   the default rule group (file provisioning)
//   the template reference section of docs/alerts.md
// Usage:
//   npx tsx scripts/gen-alert-rules.ts            write both
//   npx tsx scripts/gen-alert-rules.ts --check    exit 1 if either differs from the catalog
//   npx tsx scripts/gen-alert-rules.ts --render '{"templateId":"nic-drops","scope":{"cluster":"c1","job":"j1"},"params":{}}'
//                                                 print the rule the Alerts page would create (JSON)
//   npx tsx scripts/gen-alert-rules.ts --grafana http://localhost:3000 --instantiate '<same JSON>'
//   npx tsx scripts/gen-alert-rules.ts --grafana http://localhost:3000 --list
//   npx tsx scripts/gen-alert-rules.ts --grafana http://localhost:3000 --delete <uid>
//                                                 what the Alerts page does, through the same client
//                                                 (auth: GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVISIONING_FILE, provisioningFileText, renderApiRule } from '../src/alerting/render';
import { DOCS_FILE, withTemplates } from '../src/alerting/docs';
import { AlertingApi, type HttpFn } from '../src/alerting/api';

const root = join(__dirname, '..');
const read = (p: string) => {
  try {
    return readFileSync(join(root, p), 'utf8');
  } catch {
    return '';
  }
};

const argAfter = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** An HttpFn over fetch for a Grafana at base (what grafanaHttp() is inside Grafana). */
function fetchHttp(base: string): HttpFn {
  const auth: Record<string, string> = {};
  if (process.env.GRAFANA_TOKEN) {
    auth.Authorization = `Bearer ${process.env.GRAFANA_TOKEN}`;
  } else if (process.env.GRAFANA_USER) {
    auth.Authorization = `Basic ${Buffer.from(`${process.env.GRAFANA_USER}:${process.env.GRAFANA_PASSWORD ?? ''}`).toString('base64')}`;
  }
  return async (req) => {
    const r = await fetch(base.replace(/\/$/, '') + req.url, {
      method: req.method,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...auth, ...req.headers },
      body: req.data === undefined ? undefined : JSON.stringify(req.data),
    });
    const text = await r.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = { message: text };
    }
    if (!r.ok) {
      throw { status: r.status, data };
    }
    return data;
  };
}

async function apiMode(base: string): Promise<void> {
  const api = new AlertingApi(fetchHttp(base));
  const inst = argAfter('--instantiate');
  const del = argAfter('--delete');
  if (inst !== undefined) {
    let input;
    try {
      input = JSON.parse(inst);
    } catch (e) {
      throw new Error(
        `--instantiate takes one JSON argument {"templateId":...,"scope":{"cluster":...,"job":...},"params":{...}}: ${(e as Error).message}`
      );
    }
    process.stdout.write(JSON.stringify(await api.instantiate(input)) + '\n');
  } else if (del !== undefined) {
    await api.remove(del);
    process.stdout.write(`deleted ${del}\n`);
  } else if (process.argv.includes('--list')) {
    process.stdout.write(JSON.stringify(await api.list()) + '\n');
  } else {
    throw new Error('--grafana needs one of --instantiate <json>, --list, --delete <uid>.');
  }
}

const grafanaUrl = argAfter('--grafana');
if (grafanaUrl !== undefined) {
  apiMode(grafanaUrl).then(
    () => process.exit(0),
    (e) => {
      console.error((e as Error).message);
      process.exit(2);
    }
  );
} else {
  main();
}

function main(): void {
  const renderIdx = process.argv.indexOf('--render');
  if (renderIdx >= 0) {
    const arg = process.argv[renderIdx + 1];
    let input;
    try {
      input = JSON.parse(arg ?? '');
    } catch (e) {
      console.error(
        `--render takes one JSON argument {"templateId":...,"scope":{"cluster":...,"job":...},"params":{...}}: ${(e as Error).message}`
      );
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
      console.error(
        `${stale.join(' and ')} do not match src/alerting/catalog.ts: run npx tsx scripts/gen-alert-rules.ts and commit the result.`
      );
      process.exit(1);
    }
    console.log(`${Object.keys(want).join(' and ')} match the catalog.`);
  } else {
    for (const [p, text] of Object.entries(want)) {
      writeFileSync(join(root, p), text);
      console.log(`wrote ${p}`);
    }
  }
}
