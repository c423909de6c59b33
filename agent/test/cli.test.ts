// The hifreq-agent command: --help, bad flags and values exit non-zero with a message naming the
// flag, and a real run serves its endpoints, remote-writes when asked, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { queueDirFor } from '../src/remotewrite/index.ts';
import { NODE1 } from './helpers.ts';

const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(AGENT_DIR, 'src/main.ts');
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: AGENT_DIR, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_NAME: 'node-1' } });

describe('hifreq-agent CLI', { timeout: 60_000 }, () => {
  it('--help prints every flag, including the remote-write ones, and exits 0', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith('usage: hifreq-agent [flags]\n'));
    for (const f of ['--path.procfs', '--pods.selector', '--interval.high', '--remote-write.url', '--remote-write.queue-dir', '--remote-write.max-queue-bytes', '--remote-write.bearer-token-file']) {
      assert.ok(r.stdout.includes(`  ${f}=<`), f);
    }
  });

  it('a bad flag value exits 2 naming the flag and the accepted values', () => {
    const r = run(['--pods.source=etcd']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'hifreq-agent: invalid value "etcd" for --pods.source: expected one of apiserver, kubelet, file\n');
    assert.equal(r.stdout, '');
  });

  it('inconsistent values exit 1 with a message saying what to do', () => {
    const r = run(['--pods.source=file', `--pods.file=${join(AGENT_DIR, 'nope.yaml')}`, '--interval.default=1500ms', '--web.listen-address=127.0.0.1:0']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'hifreq-agent: --interval.default (1500ms) must be a multiple of --interval.high (1000ms) so both tick on the same boundaries\n');
    const s = run(['--pods.source=file', '--web.listen-address=127.0.0.1:0']);
    assert.equal(s.status, 1);
    assert.equal(s.stderr, 'hifreq-agent: --pods.source=file needs --pods.file=<path to a JSON or YAML pod list>\n');
  });

  describe('a bad remote-write setting exits 1 before sampling, with the message naming the flag to fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hifreq-cli-rw-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const podFile = join(dir, 'pods.yaml');
    writeFileSync(podFile, 'pods: []\n');
    const base = ['--pods.source=file', `--pods.file=${podFile}`, '--binding.pod-resources-socket=', '--web.listen-address=127.0.0.1:0'];
    const url = 'http://127.0.0.1:1/api/v1/write';

    it('--remote-write.url that is not an absolute http(s) URL', () => {
      const r = run([...base, '--remote-write.url=127.0.0.1:8428/api/v1/write', `--remote-write.queue-dir=${join(dir, 'queue')}`]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(
        r.stderr,
        'hifreq-agent: invalid remote-write configuration:\n' +
          '  - --remote-write.url "127.0.0.1:8428/api/v1/write" is not a valid URL: give an absolute http(s) URL such as http://127.0.0.1:8428/api/v1/write\n',
      );
    });

    it('--remote-write.queue-dir that cannot be created (it lies under a regular file)', () => {
      const file = join(dir, 'plain-file');
      writeFileSync(file, 'not a directory');
      const r = run([...base, `--remote-write.url=${url}`, `--remote-write.queue-dir=${join(file, 'queue')}`]);
      assert.equal(r.status, 1, r.stderr);
      const queue = queueDirFor(join(file, 'queue'), url);
      assert.equal(
        r.stderr,
        `hifreq-agent: remote-write queue directory "${queue}" cannot be created (ENOTDIR: not a directory, mkdir '${queue}'): give --remote-write.queue-dir a writable directory\n`,
      );
    });

    it('--remote-write.bearer-token-file that does not exist', () => {
      const token = join(dir, 'no-such-token');
      const r = run([...base, `--remote-write.url=${url}`, `--remote-write.queue-dir=${join(dir, 'queue')}`, `--remote-write.bearer-token-file=${token}`]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(
        r.stderr,
        `hifreq-agent: cannot read --remote-write.bearer-token-file "${token}" (ENOENT: no such file or directory, open '${token}'): mount the secret there or fix the path\n`,
      );
    });
  });

  it('runs: serves /metrics, /api/v1/targets, /api/v1/remote-write, writes to a remote-write receiver, stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hifreq-cli-'));
    const posts: Array<{ encoding?: string; type?: string; bytes: number }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts.push({ encoding: req.headers['content-encoding'], type: req.headers['content-type'], bytes: Buffer.concat(chunks).length });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const rwPort = (receiver.address() as AddressInfo).port;
    const podFile = join(dir, 'pods.yaml');
    writeFileSync(podFile, 'pods:\n  - {namespace: train, name: w-0, nodeName: node-1, labels: {monitor: high-frequency}, devices: [mlx5_0]}\n');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN,
      `--path.procfs=${NODE1.procfs}`, `--path.sysfs=${NODE1.sysfs}`, '--web.listen-address=127.0.0.1:0', '--cluster=c1',
      '--pods.source=file', `--pods.file=${podFile}`, '--binding.pod-resources-socket=',
      `--remote-write.url=http://127.0.0.1:${rwPort}/api/v1/write`, `--remote-write.queue-dir=${join(dir, 'queue')}`,
    ], { cwd: AGENT_DIR, env: { ...process.env, NODE_NAME: 'node-1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      let port = 0;
      for (let i = 0; i < 200 && !port; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const line = stdout.split('\n').find((l) => l.includes('"hifreq-agent started"'));
        if (line) port = JSON.parse(line).port;
      }
      assert.ok(port > 0, `agent started (stderr: ${stderr}; stdout: ${stdout.slice(0, 500)})`);
      await new Promise((r) => setTimeout(r, 2500));
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^node_infiniband_state_id\{cluster="c1",device="mlx5_0",job_name="w-0",namespace="train",node="node-1",pod="w-0",port="1"\} 4 \d+$/m);
      const targets = await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json() as any;
      assert.equal(targets.targets.find((t: any) => t.id === 'infiniband:mlx5_0').intervalMs, 1000);
      const rw = await fetch(`http://127.0.0.1:${port}/api/v1/remote-write`);
      assert.equal(rw.status, 200);
      assert.ok(posts.length > 0, 'the receiver got remote-write requests');
      assert.equal(posts[0].encoding, 'snappy');
      assert.equal(posts[0].type, 'application/x-protobuf');
      for (const line of stdout.trim().split('\n')) JSON.parse(line); // structured JSON logs only
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      receiver.closeAllConnections();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
