// The /metrics exposition of the latest samples, written byte by byte into one buffer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsCache } from '../src/http/metricsCache.ts';

describe('metrics cache exposition', () => {
  it('renders every value form, label escaping, TYPE lines and name order exactly', () => {
    const cache = new MetricsCache();
    const a = { device: 'eth0', node: 'n1' };
    const b = { device: 'eth1', node: 'n1' };
    const c = { node: 'n1', pod: 'we"ird\\name\nx' };
    const values = [0, 123, -5, 2 ** 53 + 2, 1.5, NaN, Infinity, -Infinity, 1e21, -0, 3.125e9];
    const ts = 1795296000123;
    cache.write([
      { name: 'z_total', labels: a, value: 7, timestampMs: ts },
      { name: 'node_network_speed_bytes', labels: b, value: 3.125e9, timestampMs: ts },
      { name: 'a_gauge', labels: c, value: -1, timestampMs: 5 },
    ]);
    const many = values.map((value, i) => ({ name: 'v', labels: { i: String(i).padStart(2, '0') }, value, timestampMs: ts + i }));
    cache.write(many);
    assert.equal(cache.render().toString(), [
      '# TYPE a_gauge gauge',
      'a_gauge{node="n1",pod="we\\"ird\\\\name\\nx"} -1 5',
      '# TYPE node_network_speed_bytes gauge',
      'node_network_speed_bytes{device="eth1",node="n1"} 3125000000 1795296000123',
      '# TYPE v gauge',
      ...values.map((v, i) => `v{i="${String(i).padStart(2, '0')}"} ${Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v)} ${ts + i}`),
      '# TYPE z_total counter',
      'z_total{device="eth0",node="n1"} 7 1795296000123',
      '',
    ].join('\n'));
  });

  it('updates values in place, drops a series on its staleness marker, and follows a renamed series', () => {
    const cache = new MetricsCache();
    const labels = { device: 'mlx5_0', port: '1' };
    const other = { device: 'mlx5_1', port: '1' };
    cache.write([{ name: 'x_total', labels, value: 1, timestampMs: 1000 }, { name: 'x_total', labels: other, value: 2, timestampMs: 1000 }]);
    assert.equal(cache.render().toString(), '# TYPE x_total counter\nx_total{device="mlx5_0",port="1"} 1 1000\nx_total{device="mlx5_1",port="1"} 2 1000\n');
    cache.write([{ name: 'x_total', labels, value: 10, timestampMs: 2000 }, { name: 'x_total', labels: other, value: NaN, timestampMs: 2000, stale: true }]);
    assert.equal(cache.render().toString(), '# TYPE x_total counter\nx_total{device="mlx5_0",port="1"} 10 2000\n');
    cache.write([{ name: 'y', labels, value: 4, timestampMs: 3000 }]);
    assert.equal(cache.render().toString(), '# TYPE y gauge\ny{device="mlx5_0",port="1"} 4 3000\n');
    assert.equal(cache.size, 1);
  });

  it('renders nothing for an empty cache', () => {
    assert.equal(new MetricsCache().render().length, 0);
  });
});
