// End-to-end losslessness across a VictoriaMetrics outage, and across a SIGKILL of the agent during
// an outage. Both scenarios run at the same time against separate VictoriaMetrics instances.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { tempDir, waitFor } from './rw-fixtures.ts';
import { DriverProcess } from './rw-process.ts';
import { VictoriaMetrics, type ExportedSeries } from './rw-vm.ts';
import { AgentProcess } from './rw-agent.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

// The issue asks for a 3-minute outage; RW_OUTAGE_SECONDS only shortens it for local iteration.
const OUTAGE_MS = Number(process.env.RW_OUTAGE_SECONDS ?? 180) * 1000;
const SERIES = 20;

function assertExactlyOnce(series: ExportedSeries[], expectedTicks: number[], what: string): void {
  assert.equal(series.length, SERIES, `${what}: one stored series per driver series`);
  const expected = [...expectedTicks].sort((a, b) => a - b);
  for (const one of series) {
    const pairs = one.timestamps.map((t, i) => [t, one.values[i]] as const).sort((a, b) => a[0] - b[0]);
    const timestamps = pairs.map(([t]) => t);
    assert.equal(new Set(timestamps).size, timestamps.length, `${what}: series ${one.metric.series} has duplicate samples`);
    assert.equal(timestamps.length, expected.length, `${what}: series ${one.metric.series} holds ${timestamps.length} samples, expected ${expected.length}`);
    assert.deepEqual(timestamps, expected, `${what}: series ${one.metric.series} timestamps`);
    for (const [t, value] of pairs) assert.equal(value, t / 1000, `${what}: value at ${t}`);
  }
}

/**
 * Stops VictoriaMetrics half-way between two second boundaries, when the request of the last tick
 * (sent right after its append, on the boundary) has long been answered. A VictoriaMetrics stopped
 * while it handles a request may store it and then close the connection without answering
 * ("socket hang up"; seen in about 1 of 10 stops timed inside a request): the sender cannot tell
 * that from a request that was not stored, so it sends it again and that tick is stored twice.
 * That is remote write's at-least-once delivery, which no sender can avoid; these tests measure the
 * agent's queue and shipper, so the outage must not begin inside a request.
 */
async function stopBetweenSends(vm: VictoriaMetrics): Promise<void> {
  await sleep((1500 - (Date.now() % 1000)) % 1000);
  await vm.stop();
}

function consecutive(ticks: number[]): boolean {
  const sorted = [...ticks].sort((a, b) => a - b);
  return sorted.every((t, i) => i === 0 || t - sorted[i - 1]! === 1000);
}

async function exportComplete(vm: VictoriaMetrics, expectedPerSeries: number): Promise<ExportedSeries[]> {
  return vm.waitForExport(
    'rw_e2e_ticks',
    (series) => series.length === SERIES && series.every((one) => one.values.length >= expectedPerSeries),
    60_000,
  );
}

describe('remote write across outages and restarts', { concurrency: true }, () => {
  it(`loses nothing across a ${OUTAGE_MS / 1000} s VictoriaMetrics outage`, { timeout: OUTAGE_MS + 180_000 }, async () => {
    const vm = await VictoriaMetrics.start();
    const driver = new DriverProcess(vm.writeUrl, tempDir(), SERIES);
    try {
      await waitFor('10 ticks appended before the outage', () => driver.appended.length >= 10, 30_000);
      await stopBetweenSends(vm);
      await sleep(OUTAGE_MS);
      await vm.start();
      // Let the agent reconnect and catch up while still ticking, then stop it gracefully.
      await sleep(20_000);
      const status = await driver.stop();
      const ticks = driver.written;
      assert.deepEqual(driver.appended, ticks, 'every written tick was appended to the queue, in order');
      assert.ok(consecutive(ticks), 'the driver produced a gap-free 1 s sequence');
      assert.ok(ticks.length >= 10 + OUTAGE_MS / 1000, `ticks cover the outage (${ticks.length})`);
      const queue = (status.urls as Record<string, unknown>[])[0]!;
      assert.equal(queue.pendingSamples, 0, 'queue drained after catch-up');
      assert.equal(queue.samplesSent, ticks.length * SERIES);
      assert.deepEqual(queue.samplesDropped, {});
      assert.ok((queue.samplesRetried as number) > 0, 'requests failed and were retried during the outage');
      assertExactlyOnce(await exportComplete(vm, ticks.length), ticks, 'outage');
    } finally {
      await driver.stop().catch(() => undefined);
      await vm.stop();
    }
  });

  it('loses nothing the queue accepted when the agent is SIGKILLed during an outage', { timeout: OUTAGE_MS + 180_000 }, async () => {
    const vm = await VictoriaMetrics.start();
    const queueDir = tempDir();
    const first = new DriverProcess(vm.writeUrl, queueDir, SERIES);
    let second: DriverProcess | undefined;
    try {
      await waitFor('10 ticks appended before the outage', () => first.appended.length >= 10, 30_000);
      await stopBetweenSends(vm);
      const vmStoppedAt = Date.now();
      // Kill at an odd moment inside a tick, so an append may be in flight.
      await sleep(OUTAGE_MS / 3 + 437);
      await first.kill();
      await sleep(3_000);
      second = new DriverProcess(vm.writeUrl, queueDir, SERIES);
      await waitFor('the restarted agent replays and ticks', () => second!.appended.length >= 3, 30_000);
      const replayed = (second.events[0]!.status as { urls: { pendingSamples: number }[] }).urls[0]!.pendingSamples;
      const acceptedDuringOutage = first.appended.filter((t) => t > vmStoppedAt).length;
      assert.ok(acceptedDuringOutage > 0);
      assert.ok(
        replayed >= acceptedDuringOutage * SERIES && replayed <= first.written.length * SERIES && replayed % SERIES === 0,
        `the restarted agent found every accepted sample on disk (${replayed} queued, ${acceptedDuringOutage * SERIES} accepted during the outage)`,
      );
      await sleep(Math.max(0, (2 * OUTAGE_MS) / 3 - 10_000));
      await vm.start();
      await sleep(20_000);
      const status = await second.stop();

      const unconfirmed = first.written.filter((t) => !first.appended.includes(t));
      assert.ok(unconfirmed.length <= 1, `at most the tick in flight at the kill is unconfirmed (got ${unconfirmed.length})`);
      const accepted = [...first.appended, ...second.written];
      assert.deepEqual(second.appended, second.written);
      const stored = await exportComplete(vm, accepted.length);
      // A tick whose append was in flight at the kill may or may not have reached the segment.
      const storedTicks = stored[0]?.timestamps ?? [];
      const inFlightStored = unconfirmed.filter((t) => storedTicks.includes(t));
      assertExactlyOnce(stored, [...accepted, ...inFlightStored], 'SIGKILL');
      const queue = (status.urls as Record<string, unknown>[])[0]!;
      assert.equal(queue.pendingSamples, 0);
      assert.deepEqual(queue.samplesDropped, {});
    } finally {
      await first.kill();
      await second?.stop().catch(() => undefined);
      await vm.stop();
    }
  });

  it('the real hifreq-agent keeps every series gap-free and duplicate-free across an outage with a SIGKILL', { timeout: 240_000 }, async () => {
    const vm = await VictoriaMetrics.start();
    const dir = tempDir();
    const podFile = path.join(dir, 'pods.yaml');
    writeFileSync(podFile, 'pods:\n  - {namespace: train, name: w-0, nodeName: node-1, labels: {monitor: high-frequency}, devices: [mlx5_0]}\n');
    const queueDir = path.join(dir, 'queue');
    let agent = new AgentProcess(vm.writeUrl, queueDir, podFile, 'rw-e2e');
    let killedAt = 0;
    let restartedAt = 0;
    let vmStoppedAt = 0;
    try {
      // Stop VictoriaMetrics only once the pod-bound series are stored: a fixed wait raced the
      // agent's start-up and first binding on a loaded machine.
      await vm.waitForExport(
        '{cluster="rw-e2e",pod="w-0"}',
        (series) => series.length > 0 && series.every((one) => one.timestamps.length >= 5),
        60_000,
      );
      await stopBetweenSends(vm);
      vmStoppedAt = Date.now();
      await sleep(15_437);
      await agent.kill();
      killedAt = Date.now();
      await sleep(3_000);
      restartedAt = Date.now();
      agent = new AgentProcess(vm.writeUrl, queueDir, podFile, 'rw-e2e');
      await sleep(15_000);
      await vm.start();
      const vmStartedAt = Date.now();
      await sleep(20_000);
      assert.equal(await agent.stop(), 0, `agent exits cleanly (stderr: ${agent.stderr})`);
      // The agent's own series (hifreq_agent_*, remote-written by the self collector) begin when
      // first counted (e.g. requests{outcome="retry"} during the outage, a restarted agent's counters
      // once VictoriaMetrics answers): only the collectors' series are held to gap-free here.
      const stored = await vm.waitForExport(
        '{cluster="rw-e2e",__name__!~"hifreq_agent_.*"}',
        (series) => series.length > 0 && series.every((one) => Math.max(...one.timestamps) > vmStartedAt),
        60_000,
      );
      assert.ok(stored.length >= 5, `the agent's series arrived (${stored.length})`);
      for (const one of stored) {
        const name = `${one.metric.__name__}${JSON.stringify(one.metric)}`;
        const timestamps = [...one.timestamps].sort((a, b) => a - b);
        assert.equal(new Set(timestamps).size, timestamps.length, `${name}: duplicate samples`);
        assert.ok(timestamps[0]! < vmStoppedAt, `${name}: starts before the outage`);
        const gaps = timestamps.slice(1).map((t, i) => [timestamps[i]!, t] as const).filter(([a, b]) => b - a > 1500);
        // The only gap allowed is the time no agent ran (SIGKILL to restart), never the outage.
        assert.ok(gaps.length <= 1, `${name}: gaps ${JSON.stringify(gaps)}`);
        for (const [from, to] of gaps) {
          assert.ok(from >= killedAt - 3000 && to <= restartedAt + 8_000, `${name}: gap ${from}..${to} is not the restart window ${killedAt}..${restartedAt}`);
        }
        const duringOutage = timestamps.filter((t) => t > vmStoppedAt + 1000 && t < killedAt - 1000).length;
        assert.ok(duringOutage >= 12, `${name}: ${duringOutage} samples from the outage before the kill were replayed`);
      }
    } finally {
      await agent.kill();
      await vm.stop();
    }
  });
});
