#!/usr/bin/env bash
# Builds the whole plugin (frontend, Go backend, agent), checks dist/, packages the zip the way
# Grafana's catalog expects (one top-level folder named after the plugin id), then validates it:
#  1. the repository's packaging checks below (always), and
#  2. Grafana's plugin validator plugincheck2 when scripts/install.d/40-validator.sh could install it.
#     Its JSON output is parsed; every finding of level "error" fails the suite except the missing
#     signature (a locally built zip is unsigned). Analyzers that need the internet are disabled in
#     the generated config (see VALIDATOR_CONFIG below).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=tests/output/package
rm -rf "$OUT" && mkdir -p "$OUT"

npm run build

ID=$(node -p "require('./src/plugin.json').id")
VERSION=$(node -p "require('./package.json').version")
ZIP="$OUT/$ID-$VERSION.zip"

# Package: <id>/ containing dist's contents (no source maps' sources outside, no build caches).
STAGE="$OUT/stage"
mkdir -p "$STAGE/$ID"
cp -r dist/. "$STAGE/$ID/"
(cd "$STAGE" && python3 -c '
import os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in os.walk(root):
        for f in sorted(files):
            p = os.path.join(d, f)
            info = zipfile.ZipInfo.from_file(p, p)
            with open(p, "rb") as fh:
                z.writestr(info, fh.read(), zipfile.ZIP_DEFLATED)
' "$ID" "../$(basename "$ZIP")")
echo "packaged $ZIP ($(du -h "$ZIP" | cut -f1))"

# 1. Packaging checks: what Grafana needs to load the plugin and the catalog needs to list it.
node - "$ZIP" "$VERSION" <<'EOF'
const { execFileSync } = require('node:child_process');
const zipPath = process.argv[2];
const version = process.argv[3];
const problems = [];
const list = execFileSync('python3', ['-c', 'import sys,zipfile,json;z=zipfile.ZipFile(sys.argv[1]);print(json.dumps([[i.filename,i.external_attr>>16] for i in z.infolist()]))', zipPath]).toString();
const entries = new Map(JSON.parse(list));
const read = (name) => execFileSync('python3', ['-c', 'import sys,zipfile;sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())', zipPath, name]).toString();
const tops = new Set([...entries.keys()].map((n) => n.split('/')[0]));
if (tops.size !== 1) problems.push(`the zip must hold exactly one top-level folder, found: ${[...tops].join(', ')}`);
const top = [...tops][0];
const has = (p) => entries.has(`${top}/${p}`);
for (const f of ['plugin.json', 'module.js', 'README.md', 'LICENSE', 'CHANGELOG.md', 'datasource/plugin.json', 'datasource/module.js']) {
  if (!has(f)) problems.push(`missing ${f} in the package`);
}
function checkPlugin(dir, expectType) {
  const p = JSON.parse(read(`${top}/${dir}plugin.json`));
  const where = `${dir}plugin.json`;
  if (p.type !== expectType) problems.push(`${where}: type is ${p.type}, expected ${expectType}`);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*-(app|datasource|panel)$/.test(p.id)) problems.push(`${where}: id "${p.id}" is not <org>-<name>-<type>`);
  if (p.info?.version !== version) problems.push(`${where}: info.version is "${p.info?.version}", expected ${version} from package.json`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.info?.updated ?? '')) problems.push(`${where}: info.updated "${p.info?.updated}" is not a date`);
  if (JSON.stringify(p).includes('%')) problems.push(`${where}: a %PLACEHOLDER% was not replaced`);
  if (!p.info?.description) problems.push(`${where}: info.description is empty`);
  if (!(p.info?.keywords ?? []).length) problems.push(`${where}: info.keywords is empty`);
  if (!p.info?.author?.name) problems.push(`${where}: info.author.name is empty`);
  if (!/^>=\s*\d+\.\d+\.\d+/.test(p.dependencies?.grafanaDependency ?? '')) problems.push(`${where}: dependencies.grafanaDependency "${p.dependencies?.grafanaDependency}" is not a >=x.y.z range`);
  for (const k of ['small', 'large']) {
    const logo = p.info?.logos?.[k];
    if (!logo || !has(dir + logo)) problems.push(`${where}: logo ${k} "${logo}" is not in the package`);
  }
  if (!/^define\(/.test(read(`${top}/${dir}module.js`).replace(/^(\s*\/\*[\s\S]*?\*\/)*\s*/, ''))) problems.push(`${dir}module.js is not an AMD module (Grafana loads plugins with SystemJS as AMD)`);
  return p;
}
const app = checkPlugin('', 'app');
const ds = checkPlugin('datasource/', 'datasource');
if (app.backend || app.executable) problems.push('plugin.json: the app must not declare a backend (the datasource has it)');
for (const inc of app.includes ?? []) {
  if (inc.type === 'dashboard') {
    if (!has(inc.path)) problems.push(`plugin.json: included dashboard ${inc.path} is not in the package`);
    else if (!JSON.parse(read(`${top}/${inc.path}`)).uid) problems.push(`${inc.path}: the dashboard has no uid`);
  }
  if (inc.type === 'datasource' && inc.name !== ds.name) problems.push(`plugin.json: includes datasource "${inc.name}" but the nested datasource is named "${ds.name}"`);
}
for (const k of ['backend', 'alerting', 'metrics', 'streaming', 'annotations']) {
  if (ds[k] !== true) problems.push(`datasource/plugin.json: ${k} must be true`);
}
for (const arch of ['amd64', 'arm64']) {
  const bin = `datasource/${ds.executable}_linux_${arch}`;
  if (!has(bin)) problems.push(`the backend binary ${bin} is missing (scripts/build-backend.sh)`);
  else if (((entries.get(`${top}/${bin}`) ?? 0) & 0o111) === 0) problems.push(`${bin} is not executable in the zip`);
}
if (has('MANIFEST.txt')) console.log('signed package (MANIFEST.txt present)');
else console.log('note: unsigned package (no MANIFEST.txt); sign it with @grafana/sign-plugin for release');
if (problems.length) {
  console.error(`packaging checks: ${problems.length} problem(s):\n - ` + problems.join('\n - '));
  process.exit(1);
}
console.log(`packaging checks passed: ${entries.size} files, app ${app.id} ${version}, datasource ${ds.id} with ${ds.executable}_linux_{amd64,arm64}`);
EOF

# 2. Grafana's validator, when installed.
BIN="$(go env GOPATH)/bin/plugincheck2"
if [ ! -x "$BIN" ]; then
  echo "plugincheck2 is not installed (the Go module proxy did not serve github.com/grafana/plugin-validator; see install step 40-validator.sh): only the packaging checks above ran"
  exit 0
fi
# VALIDATOR_CONFIG: analyzers that call out to the internet (the catalog, GitHub, OSV, LLM review) are disabled.
CONFIG="$OUT/validator.yaml"
cat >"$CONFIG" <<'YAML'
global:
  enabled: true
  severity: warning
  jsonOutput: true
  reportAll: false
analyzers:
  version: { enabled: false }
  osv-scanner: { enabled: false }
  published: { enabled: false }
  sourcecode: { enabled: false }
  llmreview: { enabled: false }
  trackingscripts: { enabled: true }
YAML
set +e
"$BIN" -config "$CONFIG" -strict=false "$ZIP" >"$OUT/validator.json" 2>"$OUT/validator.stderr"
rc=$?
set -e
echo "plugincheck2 exit $rc; report: $OUT/validator.json"
python3 - "$OUT/validator.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
errors = []
for analyzer, items in (report.get("plugin-validator") or report).items():
    for it in items or []:
        line = f"{analyzer}: {it.get('Severity') or it.get('severity')}: {it.get('Title') or it.get('title')}"
        print(line)
        sev = (it.get("Severity") or it.get("severity") or "").lower()
        if sev == "error" and analyzer not in ("signature",) and "unsigned" not in line.lower() and "signature" not in line.lower():
            errors.append(line)
if errors:
    print(f"plugin validator: {len(errors)} error(s) besides the missing signature", file=sys.stderr)
    sys.exit(1)
print("plugin validator: no errors besides the missing signature")
EOF
