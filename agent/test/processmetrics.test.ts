// The process metrics the agent registers next to its own (src/metrics/promclient.ts).
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Registry, registerProcessMetrics } from '../src/metrics/promclient.ts';

function value(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  assert.ok(line, `${name} missing from:\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('process metrics', () => {
  it('exposes CPU, memory, descriptors, start time, heap and version; no GC or event-loop histograms', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const text = await registry.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    assert.deepEqual(names, [
      'nodejs_external_memory_bytes gauge',
      'nodejs_heap_size_total_bytes gauge',
      'nodejs_heap_size_used_bytes gauge',
      'nodejs_version_info gauge',
      'process_cpu_seconds_total counter',
      'process_cpu_system_seconds_total counter',
      'process_cpu_user_seconds_total counter',
      'process_heap_bytes gauge',
      'process_max_fds gauge',
      'process_open_fds gauge',
      'process_resident_memory_bytes gauge',
      'process_start_time_seconds gauge',
      'process_virtual_memory_bytes gauge',
    ]);
    assert.ok(value(text, 'process_resident_memory_bytes') > 10e6);
    assert.equal(value(text, 'process_cpu_seconds_total'), value(text, 'process_cpu_user_seconds_total') + value(text, 'process_cpu_system_seconds_total'));
  });

  it('counts open descriptors on the first scrape and keeps that count for 15 s (listing ~700 fds every scrape cost CPU)', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const first = value(await registry.metrics(), 'process_open_fds');
    assert.ok(first >= 3, `at least stdin, stdout, stderr: ${first}`);
    const extra = Array.from({ length: 10 }, () => openSync('/proc/self/stat', 'r'));
    // The test process has descriptors of its own that may come and go between two counts (the
    // runner's pipes), so a fresh count is compared with listings taken just before and after it.
    const listed = () => readdirSync('/proc/self/fd').length - 1;
    try {
      assert.equal(value(await registry.metrics(), 'process_open_fds'), first, 'the cached count, not a new one');
      const fresh = new Registry();
      registerProcessMetrics(fresh);
      const before = listed();
      const counted = value(await fresh.metrics(), 'process_open_fds');
      const after = listed();
      assert.ok(before >= first + 9, `the ten new descriptors are listed: ${before} vs ${first} at the first scrape`);
      assert.ok(counted >= Math.min(before, after) && counted <= Math.max(before, after), `a new registry counts now: ${counted}, listed ${before} before and ${after} after`);
    } finally {
      for (const fd of extra) closeSync(fd);
    }
  });
});
