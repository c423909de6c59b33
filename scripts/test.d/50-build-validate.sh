#!/usr/bin/env bash
# Builds the whole plugin (frontend, Go backend, agent), checks dist/, packages the zip the way
# Grafana's catalog expects (one top-level folder named after the plugin id), then validates it:
#  1. the repository's packaging checks below (always), and
#  2. Grafana's plugin validator plugincheck2 when scripts/install.d/40-validator.sh could install it.
#     Its JSON output is parsed; every finding of level "error" fails the suite except the missing
#     signature (a locally built zip is unsigned). Analyzers that need the internet are disabled in
#     the generated config (see VALIDATOR_CONFIG below).
#
# Usage: 50-build-validate.sh                     build, package dist/ and validate (the test suite)
#        50-build-validate.sh --no-build DIR      package and validate an already built DIR (e.g. a
#                                                 deliberately broken copy of dist/); the zip and the
#                                                 reports go to $PACKAGE_OUT (default tests/output/package)
set -euo pipefail
cd "$(dirname "$0")/../.."
DIST=dist BUILD=1
if [ "${1:-}" = "--no-build" ]; then
  BUILD=0
  DIST="${2:?--no-build needs the directory to package, e.g. --no-build dist}"
  [ -f "$DIST/plugin.json" ] || { echo "$DIST/plugin.json does not exist: give the directory of a built plugin (run npm run build for dist/)" >&2; exit 2; }
fi
OUT="${PACKAGE_OUT:-tests/output/package}"
rm -rf "$OUT" && mkdir -p "$OUT"

if [ "$BUILD" = 1 ]; then npm run build; fi

ID=$(node -p "require('./src/plugin.json').id")
VERSION=$(node -p "require('./package.json').version")
ZIP="$OUT/$ID-$VERSION.zip"

# Package: <id>/ containing dist's contents (no source maps' sources outside, no build caches).
STAGE="$OUT/stage"
mkdir -p "$STAGE/$ID"
cp -a "$DIST/." "$STAGE/$ID/"
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
  if (!has(`${dir}plugin.json`) || !has(`${dir}module.js`)) return {};
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

// Error-level rules of Grafana's plugin validator (v0.31.0, pkg/analysis/passes/<rule>) that need
// neither the internet nor the source code, so that they hold even where plugincheck2 cannot run.
// Each message starts with the validator's analyzer name.
const inTop = [...entries.keys()].filter((n) => n.startsWith(`${top}/`)).map((n) => n.slice(top.length + 1));
const isFile = (rel) => rel !== '' && !rel.endsWith('/');
const posixDir = (rel) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '');
// archivename / archive: the folder is named after the plugin id, never dist.
if (top === 'dist' || top !== app.id) problems.push(`archivename: the zip's folder is "${top}", it must be named after the plugin id "${app.id}"`);
if (inTop.some((n) => n.startsWith('dist/'))) problems.push(`archive: the package holds a dist/ folder; put dist's contents directly into ${top}/`);
// readme, templatereadme, brokenlinks (relative-link): the catalog shows README.md as it is.
const readme = has('README.md') ? read(`${top}/README.md`) : '';
if (has('README.md') && readme.trim() === '') problems.push('readme: README.md is empty; it is the plugin\'s page in the catalog (src/README.md)');
if (/Grafana (Panel|Data Source|Datasource|App|Data Source Backend) Plugin Template/i.test(readme)) problems.push('templatereadme: README.md is still the create-plugin template; describe the plugin in src/README.md');
for (const m of readme.matchAll(/\[.+?\]\((.+?)\)/g)) {
  const target = m[1].trim().split(/\s+/)[0];
  if (target.startsWith('#') || target.startsWith('mailto:') || /^https?:\/\//.test(target)) continue;
  problems.push(`brokenlinks: README.md links to "${target}", a relative link that does not work in the plugin catalog; use an absolute https:// URL (the packaged README is src/README.md, not the repository's README.md)`);
}
// Every plugin.json in the package: the app's and the nested ones.
const metas = new Map(inTop.filter((n) => n === 'plugin.json' || n.endsWith('/plugin.json')).map((n) => [n, JSON.parse(read(`${top}/${n}`))]));
const anyExecutable = [...metas.values()].some((m) => m.executable);
for (const [rel, m] of metas) {
  const dir = posixDir(rel);
  // includesnested: a nested plugin is declared in the app's includes by its path, with its type.
  if (rel !== 'plugin.json') {
    if (app.type !== 'app') problems.push(`includesnested: ${rel} is a nested plugin, but only app plugins may nest plugins (plugin.json has type ${app.type})`);
    const inc = (app.includes ?? []).find((i) => i.path === rel);
    if (!inc) problems.push(`includesnested: nested plugin ${rel} is not declared in plugin.json: add {"type": "${m.type}", "name": "${m.name}", "path": "${rel}"} to the includes of src/plugin.json (the validator matches includes by path)`);
    else if (!inc.type) problems.push(`includesnested: the include of ${rel} in plugin.json has no type; set "type": "${m.type}"`);
    else if (inc.type !== m.type) problems.push(`includesnested: plugin.json includes ${rel} as type ${inc.type}, but that plugin is a ${m.type}`);
  }
  // typesuffix, pluginname (human-friendly-name)
  if (m.type && m.id?.split('-').pop() !== m.type) problems.push(`typesuffix: ${rel}: id "${m.id}" must end with its type "-${m.type}"`);
  if (m.id && m.name === m.id) problems.push(`pluginname: ${rel}: name "${m.name}" is the plugin id; give it a human-friendly name`);
  // logos, metadatapaths, screenshots (image type): relative to the plugin.json, inside the package.
  const paths = [['small logo', m.info?.logos?.small], ['large logo', m.info?.logos?.large], ...(m.info?.screenshots ?? []).map((sc) => ['screenshot', sc.path])];
  for (const [kind, p] of paths) {
    if (!p || !String(p).trim()) problems.push(`logos: ${rel}: the ${kind} path is empty`);
    else if (/^[a-z][a-z0-9+.-]*:/i.test(p)) problems.push(`metadatapaths: ${rel}: the ${kind} path "${p}" is absolute; give a path relative to ${rel}`);
    else if (p.startsWith('.') || p.startsWith('/')) problems.push(`metadatapaths: ${rel}: the ${kind} path "${p}" starts with "." or "/"; write it as e.g. img/logo.svg`);
    else if (!has(dir + p)) problems.push(`metadatapaths: ${rel}: the ${kind} ${dir + p} is not in the package`);
    else if (kind === 'screenshot' && !/\.(png|jpe?g|gif|svg)$/i.test(p)) problems.push(`screenshots: ${rel}: screenshot ${p} is not a PNG, JPEG, GIF or SVG image`);
  }
  // backendbinary, binarypermissions: declared backend, its binaries present with mode 0755.
  if (m.alerting && !m.backend) problems.push(`backendbinary: ${rel}: alerting is true but backend is false; alerting needs the backend`);
  if (m.executable && !m.backend) problems.push(`backendbinary: ${rel}: executable "${m.executable}" is set but backend is false`);
  if (m.backend && !m.executable) problems.push(`backendbinary: ${rel}: backend is true but no executable is set`);
  if (m.executable) {
    const exe = dir + m.executable;
    const exeDir = posixDir(exe);
    const base = exe.slice(exeDir.length);
    const bins = inTop.filter((n) => isFile(n) && n.startsWith(exeDir) && n.slice(n.lastIndexOf('/') + 1).startsWith(base));
    if (!bins.length) problems.push(`backendbinary: ${rel}: no backend binary ${exe}_<os>_<arch> in the package (scripts/build-backend.sh)`);
    for (const b of bins.filter((n) => !n.endsWith('.exe'))) {
      const mode = (entries.get(`${top}/${b}`) ?? 0) & 0o777;
      if (mode !== 0o755) problems.push(`binarypermissions: ${b} has mode ${mode.toString(8).padStart(4, '0')} in the zip; it must be exactly 0755`);
    }
  }
}
// backenddebug: files of a standalone debug run make the backend unusable in production.
if (anyExecutable) for (const n of inTop.filter((n) => /(^|\/)(standalone|pid)\.txt$/.test(n))) problems.push(`backenddebug: ${n} is left from a standalone debug run of the backend; remove it from the package`);
// license: an accepted license (the validator's license detector is approximated by its headings).
const license = has('LICENSE') ? read(`${top}/LICENSE`) : '';
if (has('LICENSE') && !/Apache License[\s\S]{0,80}Version 2\.0|MIT License|Permission is hereby granted, free of charge|BSD|GNU (AFFERO |LESSER )?GENERAL PUBLIC LICENSE\s+Version 3/i.test(license)) problems.push('license: LICENSE is not recognisably one of the licenses the catalog accepts (0BSD, BSD, MIT, Apache-2.0, LGPL-3.0, GPL-3.0, AGPL-3.0)');
if (/\{yyyy\}|\{name of copyright owner\}/.test(license)) console.log('warning (license-with-generic-text, a validator warning): LICENSE contains the template text {yyyy} / {name of copyright owner} (in the Apache appendix); the official text writes [yyyy] [name of copyright owner]');
// unsafesvg (partly): the validator allows only listed SVG elements and attributes; this checks the dangerous part.
for (const n of inTop.filter((n) => /\.svg$/i.test(n))) {
  const svg = read(`${top}/${n}`);
  const bad = [];
  for (const [, el] of svg.matchAll(/<\s*([a-zA-Z][\w:-]*)/g)) if (/^(script|iframe|foreignobject|audio|noscript|template|embed|object|math)$/i.test(el)) bad.push(`<${el}>`);
  for (const [, attr] of svg.matchAll(/\s(on[a-z]+)\s*=/gi)) bad.push(`${attr}=`);
  if (/(href|src)\s*=\s*["']?\s*javascript:/i.test(svg)) bad.push('javascript: URL');
  if (bad.length) problems.push(`unsafesvg: ${n} contains ${[...new Set(bad)].join(', ')}; the catalog rejects SVG files with scripts, event handlers or embedded documents`);
}
// legacybuilder (on the source's package.json, which the validator reads from the source code).
for (const [name, cmd] of Object.entries(require(process.cwd() + '/package.json').scripts ?? {})) {
  if (cmd.includes('grafana-toolkit ')) problems.push(`legacybuilder: package.json script "${name}" uses grafana-toolkit; build with create-plugin's webpack config`);
}

if (has('MANIFEST.txt')) console.log('signed package (MANIFEST.txt present)');
else console.log('note: unsigned package (no MANIFEST.txt); sign it with @grafana/sign-plugin for release');
if (problems.length) {
  console.error(`packaging checks: ${problems.length} problem(s):\n - ` + problems.join('\n - '));
  process.exit(1);
}
console.log(`packaging checks passed (including the validator's offline rules archivename, readme, templatereadme, brokenlinks relative-link, includesnested, typesuffix, pluginname, logos, metadatapaths, screenshots, backendbinary, binarypermissions, backenddebug, license, unsafesvg, legacybuilder): ${entries.size} files, app ${app.id} ${version}, datasource ${ds.id} with ${ds.executable}_linux_{amd64,arm64}`);
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
