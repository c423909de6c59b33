import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { CustomVariable, EmbeddedScene, SceneFlexLayout, SceneVariableSet, sceneGraph } from '@grafana/scenes';

import { escapeRegex, formatLabelValue, formatMetricsQLValue, interpolateQuery } from './interpolate';
import type { HiFreqQuery } from './types';

/** A TemplateSrv backed by the scenes interpolation engine, as Grafana uses it for scenes-based dashboards. */
function scenesTemplateSrv(variables: CustomVariable[]): TemplateSrv {
  const scene = new EmbeddedScene({
    $variables: new SceneVariableSet({ variables }),
    body: new SceneFlexLayout({ children: [] }),
  });
  return {
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      sceneGraph.interpolate(scene, target, scopedVars, format as never),
    getVariables: () => [],
    containsTemplate: (t?: string) => Boolean(t && t.includes('$')),
    updateTimeRange: () => {},
  } as TemplateSrv;
}

const cluster = () => new CustomVariable({ name: 'cluster', query: 'gpu-a,gpu-b', value: 'gpu-a', text: 'gpu-a' });
const jobs = (value: string[]) =>
  new CustomVariable({ name: 'job', query: 'llama.pretrain,bert,we"ird', isMulti: true, value, text: value });

describe('escapeRegex', () => {
  it('escapes every regex metacharacter', () => {
    expect(escapeRegex('a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o')).toBe('a\\.b\\*c\\+d\\?e\\(f\\)g\\[h\\]i\\{j\\}k\\|l\\^m\\$n\\\\o');
  });
  it('leaves plain names alone', () => {
    expect(escapeRegex('llama-pretrain_01')).toBe('llama-pretrain_01');
  });
});

describe('formatters', () => {
  it('keeps one label value as it is, even with regex characters', () => {
    expect(formatLabelValue('llama.pretrain')).toBe('llama.pretrain');
    expect(formatLabelValue(['llama.pretrain'])).toBe('llama.pretrain');
  });
  it('turns several label values into the backend\'s /regex/ form with escaped values', () => {
    expect(formatLabelValue(['llama.pretrain', 'bert'])).toBe('/llama\\.pretrain|bert/');
  });
  it('escapes MetricsQL values and groups several of them', () => {
    expect(formatMetricsQLValue('a.b')).toBe('a\\.b');
    expect(formatMetricsQLValue(['a.b', 'c'])).toBe('(a\\.b|c)');
  });
});

describe('interpolateQuery', () => {
  const base: HiFreqQuery = {
    refId: 'A',
    queryType: 'signal',
    cluster: '$cluster',
    job: '$job',
    signal: 'ib_rx_bytes',
    groupBy: 'node',
    envelope: 'max',
  };

  it('replaces a single-value variable with its value', () => {
    const out = interpolateQuery(base, {}, scenesTemplateSrv([cluster(), jobs(['bert'])]));
    expect(out).toEqual({ ...base, cluster: 'gpu-a', job: 'bert' });
  });

  it('turns a multi-value variable into /regex/ of escaped values', () => {
    const out = interpolateQuery(base, {}, scenesTemplateSrv([cluster(), jobs(['llama.pretrain', 'bert'])]));
    expect(out.job).toBe('/llama\\.pretrain|bert/');
    expect(out.cluster).toBe('gpu-a');
  });

  it('passes a job name with a quote through unchanged (the backend escapes it)', () => {
    const out = interpolateQuery(base, {}, scenesTemplateSrv([cluster(), jobs(['we"ird'])]));
    expect(out.job).toBe('we"ird');
  });

  it('lets scoped variables (repeats, drill-downs) win over dashboard values', () => {
    const scoped: ScopedVars = { cluster: { text: 'gpu-b', value: 'gpu-b' } };
    const out = interpolateQuery(base, scoped, scenesTemplateSrv([cluster(), jobs(['bert'])]));
    expect(out.cluster).toBe('gpu-b');
  });

  it('interpolates raw MetricsQL with escaped, grouped values', () => {
    const q: HiFreqQuery = { refId: 'B', queryType: 'metricsql', cluster: '$cluster', expr: 'sum(x{job_name=~"$job"})' };
    const out = interpolateQuery(q, {}, scenesTemplateSrv([cluster(), jobs(['llama.pretrain', 'bert'])]));
    expect(out.expr).toBe('sum(x{job_name=~"(llama\\.pretrain|bert)"})');
  });

  it('does not add fields the query did not have', () => {
    const out = interpolateQuery({ refId: 'C', signal: 'ib_rx_bytes' }, {}, scenesTemplateSrv([cluster()]));
    expect(out).toEqual({ refId: 'C', signal: 'ib_rx_bytes' });
  });
});
