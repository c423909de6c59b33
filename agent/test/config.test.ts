// Flags, config file, selector and pod file parsing: exact values and exact error messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentFlags, helpText, parseFlags, type FlagSpec } from '../src/config/flags.ts';
import { parsePodFile } from '../src/pods/file.ts';
import { parseSelector } from '../src/pods/selector.ts';
import { parseListenAddress } from '../src/http/server.ts';

const files: Record<string, string> = {
  '/cfg.yaml': 'path:\n  procfs: /host/proc\ninterval.high: 500ms\nremote-write:\n  url: [http://a/api/v1/write, http://b/api/v1/write]\ncluster: from-file\n',
  '/bad.yaml': 'interval.default: soon\n',
  '/unknown.yaml': 'path.procf: /x\n',
  '/list.yaml': '- a\n- b\n',
};
const parse = (argv: string[], env: Record<string, string> = {}) =>
  parseFlags(argv, agentFlags, { env, readFile: (p) => {
    if (!(p in files)) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    return files[p];
  } });

describe('flags', () => {
  it('has the defaults of DESIGN.md §3', () => {
    const f = parse(['--node-name=n1']);
    assert.equal(f['path.procfs'], '/proc');
    assert.equal(f['path.sysfs'], '/sys');
    assert.equal(f['web.listen-address'], ':9105');
    assert.deepEqual(f['remote-write.url'], []);
    assert.equal(f['pods.selector'], 'monitor=high-frequency');
    assert.equal(f['interval.default'], 15000);
    assert.equal(f['interval.high'], 1000);
    assert.equal(f['interval.grace'], 30000);
    assert.equal(f['remote-write.max-queue-bytes'], 1073741824);
    assert.equal(f['pods.source'], 'apiserver');
  });

  it('takes --name=value and --name value, repeats, and $NODE_NAME', () => {
    const f = parse(['--remote-write.url', 'http://x', '--remote-write.url=http://y', '--interval.high=1m30s', '--pods.kubelet-insecure-tls', '--remote-write.max-queue-bytes=512MiB'], { NODE_NAME: 'from-env' });
    assert.deepEqual(f['remote-write.url'], ['http://x', 'http://y']);
    assert.equal(f['interval.high'], 90000);
    assert.equal(f['pods.kubelet-insecure-tls'], true);
    assert.equal(f['remote-write.max-queue-bytes'], 512 * 1024 * 1024);
    assert.equal(f['node-name'], 'from-env');
  });

  it('reads --config.file (nested or dotted keys); flags on the command line win', () => {
    const f = parse(['--config.file=/cfg.yaml', '--cluster=from-flag']);
    assert.equal(f['path.procfs'], '/host/proc');
    assert.equal(f['interval.high'], 500);
    assert.deepEqual(f['remote-write.url'], ['http://a/api/v1/write', 'http://b/api/v1/write']);
    assert.equal(f.cluster, 'from-flag');
  });

  it('names the flag and the accepted values on bad input', () => {
    assert.throws(() => parse(['--pods.source=etcd']), { message: 'invalid value "etcd" for --pods.source: expected one of apiserver, kubelet, file' });
    assert.throws(() => parse(['--interval.high=fast']), { message: 'invalid value "fast" for --interval.high: expected a duration such as 500ms, 1s, 15s, 2m, 1h' });
    assert.throws(() => parse(['--interval.high=10ms']), { message: 'invalid value "10ms" for --interval.high: must be at least 100ms' });
    assert.throws(() => parse(['--remote-write.max-queue-bytes=lots']), { message: 'invalid value "lots" for --remote-write.max-queue-bytes: expected a size such as 1048576, 512MB, 1GiB' });
    assert.throws(() => parse(['--pods.kubelet-insecure-tls=maybe']), { message: 'invalid value "maybe" for --pods.kubelet-insecure-tls: expected true or false' });
    assert.throws(() => parse(['--path.procf=/x']), { message: 'unknown flag --path.procf (did you mean --path.procfs, --path.sysfs?); see --help for the accepted flags' });
    assert.throws(() => parse(['--cluster']), { message: 'flag --cluster needs a value: expected a string' });
    assert.throws(() => parse(['extra']), { message: 'unexpected argument "extra": flags look like --name=value; see --help' });
    assert.throws(() => parse(['--config.file=/bad.yaml']), { message: 'invalid value "soon" for --interval.default (in --config.file /bad.yaml): expected a duration such as 500ms, 1s, 15s, 2m, 1h' });
    assert.throws(() => parse(['--config.file=/unknown.yaml']), { message: 'unknown setting "path.procf" in --config.file /unknown.yaml (did you mean --path.procfs, --path.sysfs?); settings are flag names without the dashes' });
    assert.throws(() => parse(['--config.file=/list.yaml']), { message: '--config.file /list.yaml must be a mapping of flag names to values, e.g. "path.procfs: /host/proc"' });
    assert.throws(() => parse(['--config.file=/nope.yaml']), { message: "cannot read --config.file /nope.yaml: ENOENT: no such file or directory, open '/nope.yaml'" });
  });

  it('--help lists every flag with its kind and default, including extra (remote-write) flags', () => {
    const extra: FlagSpec = { name: 'remote-write.batch-size', kind: 'int', default: '5000', help: 'Samples per request.' };
    const text = helpText([...agentFlags, extra]);
    for (const f of agentFlags) assert.ok(text.includes(`  --${f.name}=<`), f.name);
    assert.ok(text.includes('  --pods.source=<apiserver|kubelet|file>\n      Where pods come from. (default: apiserver)'));
    assert.ok(text.includes('  --remote-write.batch-size=<int>\n      Samples per request. (default: 5000)'));
    assert.ok(text.includes('  --remote-write.url=<string (repeatable)>'));
  });

  it('parses listen addresses', () => {
    assert.deepEqual(parseListenAddress(':9105'), { host: undefined, port: 9105 });
    assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:80'), { host: '::1', port: 80 });
    assert.throws(() => parseListenAddress('9105'), { message: 'invalid --web.listen-address "9105": expected [host]:port, e.g. :9105 or 127.0.0.1:9105' });
  });
});

describe('selector', () => {
  it('matches k=v, k==v, k!=v, k and !k, all of them', () => {
    const s = parseSelector('monitor=high-frequency, tier!=test,gpu,!skip');
    assert.equal(s({ monitor: 'high-frequency', gpu: '' }), true);
    assert.equal(s({ monitor: 'high-frequency', gpu: '', tier: 'test' }), false);
    assert.equal(s({ monitor: 'high-frequency' }), false);
    assert.equal(s({ monitor: 'high-frequency', gpu: '', skip: 'y' }), false);
    assert.equal(s({ monitor: 'low', gpu: '' }), false);
    assert.equal(s({}), false);
    assert.equal(parseSelector('a==b')({ a: 'b' }), true);
  });
  it('rejects what it cannot parse, naming the flag', () => {
    assert.throws(() => parseSelector('a=b,,c'), { message: 'invalid --pods.selector "a=b,,c": empty requirement; expected comma-separated k=v, k!=v, k or !k (e.g. monitor=high-frequency)' });
    assert.throws(() => parseSelector('!a=b'), { message: 'invalid --pods.selector "!a=b": cannot parse "!a=b"; expected k=v, k!=v, k or !k (e.g. monitor=high-frequency)' });
    assert.throws(() => parseSelector('a b=c'), { message: 'invalid --pods.selector "a b=c": cannot parse "a b=c"; expected k=v, k!=v, k or !k (e.g. monitor=high-frequency)' });
  });
});

describe('pod file', () => {
  it('parses the DESIGN.md example (YAML) and JSON', () => {
    const yaml = `pods:
  - namespace: train
    name: llama-worker-0
    uid: 6f1c2a7e-0000-4000-8000-000000000001
    nodeName: gpu-node-1
    labels: {monitor: high-frequency, job-name: llama-pretrain}
    devices: [mlx5_0, mlx5_1]
    pid: 12345
`;
    const expected = [{ namespace: 'train', name: 'llama-worker-0', uid: '6f1c2a7e-0000-4000-8000-000000000001', nodeName: 'gpu-node-1', labels: { monitor: 'high-frequency', 'job-name': 'llama-pretrain' }, ownerName: undefined, devices: ['mlx5_0', 'mlx5_1'], pid: 12345 }];
    assert.deepEqual(parsePodFile(yaml, 'p.yaml'), expected);
    assert.deepEqual(parsePodFile(JSON.stringify({ pods: [{ ...expected[0], ownerName: undefined }] }), 'p.json'), expected);
    assert.deepEqual(parsePodFile('', 'empty.yaml'), []);
  });
  it('says what is wrong with a bad pod file', () => {
    assert.throws(() => parsePodFile('pods: {a: 1}', 'p.yaml'), { message: '--pods.file p.yaml must contain a "pods" list, e.g. "pods: [{namespace: train, name: worker-0, uid: ..., nodeName: node-1, labels: {monitor: high-frequency}}]"' });
    assert.throws(() => parsePodFile('pods: [{namespace: a, name: b}]', 'p.yaml'), { message: '--pods.file p.yaml: pods[0] needs a non-empty string "nodeName"' });
    assert.throws(() => parsePodFile('pods: [{namespace: a, name: b, nodeName: n, devices: mlx5_0}]', 'p.yaml'), { message: '--pods.file p.yaml: pods[0].devices must be a list of device names, e.g. [mlx5_0, eth1]' });
    assert.throws(() => parsePodFile('pods: [{namespace: a, name: b, nodeName: n, pid: -3}]', 'p.yaml'), { message: '--pods.file p.yaml: pods[0].pid must be a positive integer (a process of the pod)' });
    assert.throws(() => parsePodFile('pods: [', 'p.yaml'), /^Error: --pods.file p.yaml is not valid JSON\/YAML: /);
  });
});
