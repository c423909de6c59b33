// Declarative flag table and parser: command-line flags (node_exporter style, `--name=value` or
// `--name value`) over an optional YAML/JSON `--config.file`; flags given on the command line win.
//
// Parsed values by kind: string -> string, strings -> string[], duration -> milliseconds (number),
// bytes -> bytes (number), int -> number, bool -> boolean, enum -> string.
// Other modules (e.g. remote write) read `config.flags['<flag name>']`.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseYamlOrJson as parseYaml } from './yaml.ts';
import { remoteWriteFlags } from '../remotewrite/flags.ts';

export type FlagKind = 'string' | 'strings' | 'duration' | 'bytes' | 'int' | 'bool' | 'enum';
export type FlagValue = string | string[] | number | boolean | undefined;
export type FlagValues = Record<string, FlagValue>;

export interface FlagSpec {
  /** Without the leading dashes, e.g. `path.procfs`. */
  name: string;
  help: string;
  kind: FlagKind;
  /** Accepted values for `enum`. */
  values?: readonly string[];
  /** Default in the flag's textual form (e.g. `15s`, `1GiB`); strings flags take an array. */
  default?: string | readonly string[];
  /** Environment variable consulted when neither the command line nor the file sets the flag. */
  env?: string;
  /** Minimum for int/duration/bytes. */
  min?: number;
}

export class FlagError extends Error {}

export const DEFAULT_JOB_NAME_LABELS = [
  'job-name',
  'training.kubeflow.org/job-name',
  'volcano.sh/job-name',
  'leaderworkerset.sigs.k8s.io/name',
  'app.kubernetes.io/instance',
];

export const agentFlags: FlagSpec[] = [
  { name: 'config.file', kind: 'string', help: 'YAML or JSON file setting any of these flags by name (flags on the command line win).' },
  { name: 'path.procfs', kind: 'string', default: '/proc', help: 'procfs mountpoint.' },
  { name: 'path.sysfs', kind: 'string', default: '/sys', help: 'sysfs mountpoint.' },
  { name: 'web.listen-address', kind: 'string', default: ':9105', help: 'Address for /metrics, /healthz, /-/ready and /api/v1/targets.' },
  { name: 'remote-write.url', kind: 'strings', default: [], help: 'Prometheus remote-write endpoint (repeatable). Without one, samples are only exposed on /metrics.' },
  { name: 'remote-write.queue-dir', kind: 'string', default: '/var/lib/hifreq-agent/queue', help: 'Directory of the on-disk remote-write queue.' },
  { name: 'remote-write.max-queue-bytes', kind: 'bytes', default: '1GiB', help: 'Largest size of the on-disk queue before the oldest data is dropped.' },
  { name: 'cluster', kind: 'string', default: '', help: 'Value of the `cluster` label on every series.' },
  { name: 'node-name', kind: 'string', env: 'NODE_NAME', help: 'This node\'s name (`node` label; pods of other nodes are ignored). Default: $NODE_NAME, else the hostname.' },
  { name: 'pods.source', kind: 'enum', values: ['apiserver', 'kubelet', 'file'], default: 'apiserver', help: 'Where pods come from.' },
  { name: 'pods.file', kind: 'string', help: 'Pod list (JSON or YAML) for --pods.source=file; re-read when it changes.' },
  { name: 'pods.selector', kind: 'string', default: 'monitor=high-frequency', help: 'Label selector of high-frequency pods (k=v, k!=v, k, !k; comma means AND).' },
  { name: 'pods.job-name-labels', kind: 'strings', default: DEFAULT_JOB_NAME_LABELS, help: 'Pod labels giving job_name, first present wins (repeatable); else owner name, else pod name.' },
  { name: 'pods.kubelet-url', kind: 'string', default: 'https://127.0.0.1:10250', help: 'Kubelet base URL for --pods.source=kubelet.' },
  { name: 'pods.kubelet-token-file', kind: 'string', default: '/var/run/secrets/kubernetes.io/serviceaccount/token', help: 'Bearer token file for the kubelet.' },
  { name: 'pods.kubelet-insecure-tls', kind: 'bool', default: 'false', help: 'Skip verifying the kubelet\'s serving certificate.' },
  { name: 'pods.kubelet-poll-interval', kind: 'duration', default: '1s', min: 100, help: 'How often to poll the kubelet.' },
  { name: 'pods.kubeconfig', kind: 'string', env: 'KUBECONFIG', help: 'Kubeconfig for --pods.source=apiserver (default: in-cluster service account).' },
  { name: 'interval.default', kind: 'duration', default: '15s', min: 100, help: 'Sampling interval of targets not bound to a high-frequency pod.' },
  { name: 'interval.high', kind: 'duration', default: '1s', min: 100, help: 'Sampling interval of targets bound to a high-frequency pod.' },
  { name: 'interval.grace', kind: 'duration', default: '30s', min: 0, help: 'How long a target stays at the high interval after its last pod is gone.' },
  { name: 'collector.timeout', kind: 'duration', default: '800ms', min: 1, help: 'A collector read slower than this is abandoned for the tick and counted as an error.' },
  { name: 'binding.pod-resources-socket', kind: 'string', default: '/var/lib/kubelet/pod-resources/kubelet.sock', help: 'Kubelet PodResources gRPC socket; "" disables it.' },
  { name: 'binding.resource-map', kind: 'strings', default: [], help: 'resource=dev1,dev2 mapping a device-plugin resource to devices (repeatable), e.g. rdma/hca_shared_devices_a=mlx5_0,mlx5_1.' },
  { name: 'binding.fallback', kind: 'enum', values: ['rdma', 'none'], default: 'rdma', help: 'What a high-frequency pod with no device information binds: all physical IB/RDMA devices of the node, or nothing.' },
  { name: 'log.level', kind: 'enum', values: ['debug', 'info', 'warn', 'error'], default: 'info', help: 'Log level.' },
  { name: 'help', kind: 'bool', default: 'false', help: 'Show this help.' },
  { name: 'version', kind: 'bool', default: 'false', help: 'Print the version.' },
];

export function allFlags(): FlagSpec[] {
  return [...agentFlags, ...remoteWriteFlags];
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3, ti: 1024 ** 4, tib: 1024 ** 4,
};

function describe(spec: FlagSpec): string {
  switch (spec.kind) {
    case 'duration': return 'a duration such as 500ms, 1s, 15s, 2m, 1h';
    case 'bytes': return 'a size such as 1048576, 512MB, 1GiB';
    case 'int': return 'an integer';
    case 'bool': return 'true or false';
    case 'enum': return `one of ${spec.values!.join(', ')}`;
    default: return 'a string';
  }
}

function fail(spec: FlagSpec, raw: unknown, origin: string): never {
  throw new FlagError(`invalid value ${JSON.stringify(raw)} for --${spec.name}${origin}: expected ${describe(spec)}`);
}

export function parseDurationMs(text: string): number | undefined {
  const parts = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g) : null;
  if (!parts) return undefined;
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(p)!;
    total += Number(m[1]) * DURATION_UNITS[m[2]];
  }
  return Math.round(total);
}

export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

function convertOne(spec: FlagSpec, raw: unknown, origin: string): FlagValue {
  const text = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
  if (typeof text !== 'string') fail(spec, raw, origin);
  let value: FlagValue;
  switch (spec.kind) {
    case 'string':
    case 'strings':
      return text;
    case 'enum':
      if (!spec.values!.includes(text)) fail(spec, raw, origin);
      return text;
    case 'bool':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return fail(spec, raw, origin);
    case 'int':
      if (!/^-?\d+$/.test(text)) fail(spec, raw, origin);
      value = Number(text);
      break;
    case 'duration':
      value = parseDurationMs(text);
      if (value === undefined) fail(spec, raw, origin);
      break;
    case 'bytes':
      value = parseBytes(text);
      if (value === undefined) fail(spec, raw, origin);
      break;
  }
  if (spec.min !== undefined && (value as number) < spec.min) {
    throw new FlagError(`invalid value ${JSON.stringify(raw)} for --${spec.name}${origin}: must be at least ${spec.min}${spec.kind === 'duration' ? 'ms' : ''}`);
  }
  return value;
}

function convert(spec: FlagSpec, raws: unknown[], origin: string): FlagValue {
  if (spec.kind === 'strings') return raws.map((r) => convertOne(spec, r, origin) as string);
  return convertOne(spec, raws[raws.length - 1], origin);
}

/** Flattens `{remote-write: {url: [...]}}` into `remote-write.url`. */
function flattenConfig(obj: Record<string, unknown>, prefix: string, out: Map<string, unknown[]>): void {
  for (const [key, value] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flattenConfig(value as Record<string, unknown>, name, out);
    } else {
      out.set(name, Array.isArray(value) ? value : [value]);
    }
  }
}

function nearest(name: string, specs: readonly FlagSpec[]): string {
  const candidates = specs.filter((s) => s.name.split('.')[0] === name.split('.')[0] || s.name.includes(name) || name.includes(s.name));
  return candidates.length ? ` (did you mean ${candidates.slice(0, 4).map((s) => `--${s.name}`).join(', ')}?)` : '';
}

export interface ParseOptions {
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
}

/** Parses argv (without node and script), then the config file it names, then env and defaults. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[] = allFlags(), opts: ParseOptions = {}): FlagValues {
  const env = opts.env ?? process.env;
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const byName = new Map(specs.map((s) => [s.name, s]));
  const fromArgs = new Map<string, unknown[]>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new FlagError(`unexpected argument ${JSON.stringify(arg)}: flags look like --name=value; see --help`);
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let raw: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    if (!spec && raw === undefined && name.startsWith('no-') && byName.get(name.slice(3))?.kind === 'bool') {
      name = name.slice(3);
      spec = byName.get(name);
      raw = 'false';
    }
    if (!spec) throw new FlagError(`unknown flag --${name}${nearest(name, specs)}; see --help for the accepted flags`);
    if (raw === undefined) {
      if (spec.kind === 'bool') raw = 'true';
      else if (i + 1 < argv.length) raw = argv[++i];
      else throw new FlagError(`flag --${name} needs a value: expected ${describe(spec)}`);
    }
    const list = fromArgs.get(name) ?? [];
    list.push(raw);
    fromArgs.set(name, list);
  }

  const fromFile = new Map<string, unknown[]>();
  const configPath = fromArgs.get('config.file')?.at(-1) as string | undefined;
  if (configPath) {
    let text: string;
    try {
      text = readFile(configPath);
    } catch (err) {
      throw new FlagError(`cannot read --config.file ${configPath}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new FlagError(`--config.file ${configPath} is not valid YAML/JSON: ${(err as Error).message}`);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) {
        throw new FlagError(`--config.file ${configPath} must be a mapping of flag names to values, e.g. "path.procfs: /host/proc"`);
      }
      flattenConfig(doc as Record<string, unknown>, '', fromFile);
    }
    for (const name of fromFile.keys()) {
      if (!byName.has(name) || name === 'config.file') {
        throw new FlagError(`unknown setting "${name}" in --config.file ${configPath}${nearest(name, specs)}; settings are flag names without the dashes`);
      }
    }
  }

  const values: FlagValues = {};
  for (const spec of specs) {
    const args = fromArgs.get(spec.name);
    const file = fromFile.get(spec.name);
    if (args) values[spec.name] = convert(spec, args, '');
    else if (file) values[spec.name] = convert(spec, file, ` (in --config.file ${configPath})`);
    else if (spec.env && env[spec.env]) values[spec.name] = convert(spec, [env[spec.env]], ` (from $${spec.env})`);
    else if (spec.default !== undefined) {
      values[spec.name] = spec.kind === 'strings' ? [...(spec.default as string[])] : convert(spec, [spec.default], ' (default)');
    } else values[spec.name] = spec.kind === 'strings' ? [] : undefined;
  }
  if (!values['node-name']) values['node-name'] = hostname();
  return values;
}

export function helpText(specs: readonly FlagSpec[] = allFlags()): string {
  const lines = ['usage: hifreq-agent [flags]', '', 'Flags:'];
  for (const s of specs) {
    const kind = s.kind === 'enum' ? s.values!.join('|') : s.kind === 'strings' ? 'string (repeatable)' : s.kind;
    const def = s.default === undefined || (Array.isArray(s.default) && s.default.length === 0)
      ? '' : ` (default: ${Array.isArray(s.default) ? s.default.join(', ') : s.default})`;
    lines.push(`  --${s.name}=<${kind}>`, `      ${s.help}${def}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * What `createRemoteWrite(config, ...)` receives: the parsed flag values keyed by flag name,
 * e.g. `config['remote-write.url'] as string[]`, `config['cluster'] as string`.
 */
export type AgentConfig = FlagValues;
