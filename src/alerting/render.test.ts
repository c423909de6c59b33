import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES, defaultParams, getTemplate } from './catalog';
import {
  PROVISIONING_FILE,
  provisioningFileText,
  renderApiRule,
  renderDefaultProvisioning,
  renderRule,
  instanceUid,
  fnv1a,
} from './render';
import { DOCS_FILE, withTemplates } from './docs';
import { EXEC_ERR_STATES, NO_DATA_STATES, type RuleCore } from './types';

/** The structure Grafana's alerting provisioning expects of one rule; returns every violation. */
function ruleProblems(rule: RuleCore): string[] {
  const p: string[] = [];
  if (!/^[a-zA-Z0-9_-]{1,40}$/.test(rule.uid)) {
    p.push(`uid ${rule.uid}`);
  }
  if (!rule.title) {
    p.push('title');
  }
  const refIds = rule.data.map((d) => d.refId);
  if (new Set(refIds).size !== refIds.length || !refIds.includes(rule.condition)) {
    p.push(`condition ${rule.condition} of ${refIds}`);
  }
  for (const d of rule.data) {
    if (typeof d.relativeTimeRange?.from !== 'number' || typeof d.relativeTimeRange?.to !== 'number') {
      p.push(`${d.refId} relativeTimeRange`);
    }
    if (d.model.refId !== d.refId) {
      p.push(`${d.refId} model.refId`);
    }
    if (d.datasourceUid === '__expr__') {
      const m = d.model as Record<string, any>;
      if (!['reduce', 'threshold', 'math'].includes(m.type)) {
        p.push(`${d.refId} type ${m.type}`);
      }
      if (!refIds.includes(m.expression)) {
        p.push(`${d.refId} expression ${m.expression}`);
      }
      if (m.type === 'reduce' && !['max', 'min', 'mean', 'sum', 'count', 'last'].includes(m.reducer)) {
        p.push(`${d.refId} reducer ${m.reducer}`);
      }
      if (m.type === 'threshold' && !['gt', 'lt'].includes(m.conditions?.[0]?.evaluator?.type)) {
        p.push(`${d.refId} evaluator`);
      }
    } else {
      if (d.datasourceUid !== 'hifreq-vm' || d.relativeTimeRange.from <= d.relativeTimeRange.to) {
        p.push(`${d.refId} datasource query`);
      }
    }
  }
  if (!NO_DATA_STATES.includes(rule.noDataState) || !EXEC_ERR_STATES.includes(rule.execErrState)) {
    p.push('states');
  }
  if (!/^\d+[smh]$/.test(rule.for)) {
    p.push(`for ${rule.for}`);
  }
  if (
    !rule.labels.severity ||
    !rule.annotations.summary ||
    !rule.annotations.description ||
    !rule.annotations.runbook
  ) {
    p.push('labels/annotations');
  }
  return p;
}

describe('every template renders to a valid Grafana rule', () => {
  test.each(TEMPLATES.map((t) => [t.id]))('%s', (id) => {
    const t = getTemplate(id);
    const rule = renderRule({
      templateId: id,
      scope: { cluster: 'gpu-east', job: t.scope === 'job' ? 'llama-pretrain' : '*' },
    });
    expect(ruleProblems(rule)).toEqual([]);
    const a = rule.data[0];
    expect(a.relativeTimeRange).toEqual({ from: 90, to: 0 });
    expect(a.model).toMatchObject({
      datasource: { type: 'hifreq-netmon-datasource', uid: 'hifreq-vm' },
      queryType: 'metricsql',
      cluster: 'gpu-east',
      intervalMs: 1000,
      maxDataPoints: 43200,
    });
    expect(rule.labels).toEqual({ severity: t.severity, hifreq_template: id });
    expect(rule.annotations.hifreq_scope).toBe(
      JSON.stringify({ cluster: 'gpu-east', job: t.scope === 'job' ? 'llama-pretrain' : '*' })
    );
    expect(rule.annotations.hifreq_params).toBe(JSON.stringify(defaultParams(t)));
    // The expression carries the scope itself, with the cluster always as a matcher.
    expect((a.model as { expr: string }).expr).toContain('cluster="gpu-east"');
    if (t.scope === 'job') {
      expect((a.model as { expr: string }).expr).toContain('job_name="llama-pretrain"');
      expect(rule.annotations.description).toContain(
        'var-cluster={{ urlquery $labels.cluster }}&var-job={{ urlquery $labels.job_name }}'
      );
    } else {
      expect((a.model as { expr: string }).expr).not.toContain('job_name');
      expect(rule.annotations.description).toContain('var-cluster={{ urlquery $labels.cluster }}');
    }
    for (const dim of t.dimensions) {
      expect(`${t.summary} ${rule.annotations.description}`).toContain(`$labels.${dim}`);
    }
  });
});

describe('exact rendering', () => {
  test('ib-congestion for a cluster and job with chosen parameters', () => {
    const rule = renderRule({
      templateId: 'ib-congestion',
      scope: { cluster: 'gpu-east', job: 'llama-pretrain' },
      params: { ratio: 0.25 },
      severity: 'critical',
    });
    const sel = (m: string) => `${m}{cluster="gpu-east",job_name="llama-pretrain"}`;
    const ps = (m: string) => `clamp_min(${sel(m)} - ${sel(m)} offset 1s, 0)`;
    const wait = ps('node_infiniband_port_transmit_wait_total');
    expect(rule).toEqual({
      uid: `hf-ib-congestion-${fnv1a('ib-congestion\ngpu-east\nllama-pretrain')}`,
      title: 'IB congestion (transmit wait ratio) (cluster gpu-east, job llama-pretrain)',
      condition: 'C',
      data: [
        {
          refId: 'A',
          queryType: 'metricsql',
          relativeTimeRange: { from: 90, to: 0 },
          datasourceUid: 'hifreq-vm',
          model: {
            refId: 'A',
            datasource: { type: 'hifreq-netmon-datasource', uid: 'hifreq-vm' },
            queryType: 'metricsql',
            cluster: 'gpu-east',
            job: 'llama-pretrain',
            expr: `${wait} / (${wait} + ${ps('node_infiniband_port_data_transmitted_bytes_total')} / 4)`,
            intervalMs: 1000,
            maxDataPoints: 43200,
          },
        },
        {
          refId: 'B',
          relativeTimeRange: { from: 0, to: 0 },
          datasourceUid: '__expr__',
          model: {
            refId: 'B',
            datasource: { type: '__expr__', uid: '__expr__' },
            type: 'reduce',
            expression: 'A',
            reducer: 'max',
            settings: { mode: 'dropNN' },
          },
        },
        {
          refId: 'C',
          relativeTimeRange: { from: 0, to: 0 },
          datasourceUid: '__expr__',
          model: {
            refId: 'C',
            datasource: { type: '__expr__', uid: '__expr__' },
            type: 'threshold',
            expression: 'B',
            conditions: [{ evaluator: { type: 'gt', params: [0.25] } }],
          },
        },
      ],
      noDataState: 'OK',
      execErrState: 'Error',
      for: '0s',
      labels: { severity: 'critical', hifreq_template: 'ib-congestion' },
      annotations: {
        summary:
          'IB congestion on {{ $labels.device }} port {{ $labels.port }} of {{ $labels.node }} (job {{ $labels.job_name }}, cluster {{ $labels.cluster }})',
        description:
          'Peak per-second transmit wait ratio {{ $values.B.Value }} (fires above 0.25). Job dashboard: /d/hifreq-job-network?var-cluster={{ urlquery $labels.cluster }}&var-job={{ urlquery $labels.job_name }}',
        runbook: getTemplate('ib-congestion').runbook,
        hifreq_template: 'ib-congestion',
        hifreq_scope: '{"cluster":"gpu-east","job":"llama-pretrain"}',
        hifreq_params: '{"ratio":0.25}',
      },
      isPaused: false,
    });
  });

  test('the uid is stable, at most 40 characters, and differs per scope', () => {
    expect(fnv1a('')).toBe('811c9dc5');
    expect(fnv1a('a')).toBe('e40c292c');
    const a = instanceUid('job-throughput-collapse', { cluster: 'gpu-east', job: 'llama-pretrain' });
    expect(a).toBe(instanceUid('job-throughput-collapse', { cluster: 'gpu-east', job: 'llama-pretrain' }));
    expect(a).toMatch(/^hf-job-throughput-collapse-[0-9a-f]{8}$/);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(instanceUid('job-throughput-collapse', { cluster: 'gpu-east', job: 'other' })).not.toBe(a);
  });

  test('softnet-drops joins node-level drops to the job nodes and leaves the job out of the model', () => {
    const rule = renderRule({
      templateId: 'softnet-drops',
      scope: { cluster: 'c1', job: 'jA' },
      params: { seconds: 3, minDropsPerSecond: 2 },
    });
    const s = 'node_softnet_dropped_total{cluster="c1"}';
    expect(rule.data[0].model).toMatchObject({
      cluster: 'c1',
      job: '*',
      expr:
        `min_over_time((sum by (cluster,node) (clamp_min(${s} - ${s} offset 1s, 0)))[3s:1s]) * on(cluster,node) group_right() ` +
        'group by (cluster,node,job_name) ({__name__=~"node_infiniband_port_data_received_bytes_total|node_network_receive_bytes_total|container_network_receive_bytes_total",cluster="c1",job_name="jA"})',
    });
    expect((rule.data[2].model as any).conditions[0].evaluator).toEqual({ type: 'gt', params: [2] });
  });

  test('job-throughput-collapse reduces with min and fires below the fraction', () => {
    const rule = renderRule({
      templateId: 'job-throughput-collapse',
      scope: { cluster: '*', job: '*' },
      params: { fraction: 0.5, minBaselineBitsPerSecond: 8e9 },
    });
    expect((rule.data[1].model as any).reducer).toBe('min');
    expect((rule.data[2].model as any).conditions[0].evaluator).toEqual({ type: 'lt', params: [0.5] });
    expect((rule.data[0].model as any).expr).toContain(' > 1000000000)');
    expect(rule.title).toBe('Job throughput collapse (all clusters, all jobs)');
  });

  test('quotes and backslashes in a job name stay inside the matcher', () => {
    const rule = renderRule({ templateId: 'ib-errors', scope: { cluster: 'c1', job: 'a"b\\.c' } });
    expect((rule.data[0].model as any).expr).toContain('job_name="a\\"b\\\\.c"');
  });

  test('scope values use the backend syntax: exact, a|b, /regex/, *', () => {
    const expr = (cluster: string, job: string) =>
      (renderRule({ templateId: 'ib-errors', scope: { cluster, job } }).data[0].model as any).expr as string;
    expect(expr('c1', 'llama (v2).*')).toContain(
      '{__name__=~"node_infiniband_symbol_error_total|node_infiniband_port_errors_received_total",cluster="c1",job_name="llama (v2).*"}'
    );
    expect(expr('c1|c2', 'a\\.b|c')).toContain('cluster=~"c1|c2",job_name=~"a\\\\.b|c"}');
    expect(expr('/gpu-.+/', '*')).toContain('cluster=~"gpu-.+",job_name=~".+"}');
    expect(expr('/.*/', '/.+/')).toContain('cluster=~".+",job_name=~".+"}');
  });

  test('cluster-scoped templates render job * and silent templates raise NoData', () => {
    const rule = renderRule({ templateId: 'agent-silent', scope: { cluster: 'gpu-east' } });
    expect((rule.data[0].model as any).job).toBe('*');
    expect(rule.noDataState).toBe('NoData');
    expect(rule.title).toBe('Agent silent (cluster gpu-east)');
  });

  test('an API rule carries folder, group and org', () => {
    const rule = renderApiRule({ templateId: 'ib-errors', scope: { cluster: 'c1', job: 'jA' } });
    expect({ orgID: rule.orgID, folderUID: rule.folderUID, ruleGroup: rule.ruleGroup }).toEqual({
      orgID: 1,
      folderUID: 'hifreq-alerts',
      ruleGroup: 'hifreq-instances',
    });
  });
});

describe('bad input gets a message saying what to do', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  test('unknown template', () => {
    expect(err(() => renderRule({ templateId: 'nope', scope: { cluster: '*', job: '*' } }))).toBe(
      `Unknown alert template "nope": use one of ${TEMPLATES.map((t) => t.id).join(', ')}.`
    );
  });

  test('every bad parameter and scope value at once', () => {
    expect(
      err(() =>
        renderRule({
          templateId: 'nic-drops',
          scope: { cluster: '', job: '/a(b/' },
          params: { seconds: 2.5, minDropsPerSecond: -1, foo: 1 } as any,
        })
      )
    ).toBe(
      [
        'Cluster is empty: give a cluster name, several as a|b, a /regex/, or * for all clusters.',
        'Job "/a(b/": the regex "a(b" does not compile (Invalid regular expression: /^(?:a(b)$/: Unterminated group). Write a regex as /regex/, several names as a|b, or use * for all jobs.',
        'Unknown parameter "foo" for template "nic-drops": it takes seconds, minDropsPerSecond.',
        'Parameter "seconds" (Sustained for) must be a whole number (s), got 2.5.',
        'Parameter "minDropsPerSecond" (Drops per second) must be between 0 and 1000000000 packets/s, got -1.',
      ].join('\n')
    );
  });

  test('a window shorter than 5 s is refused with the reason', () => {
    expect(
      err(() => renderRule({ templateId: 'job-imbalance', scope: { cluster: '*', job: '*' }, params: { window: 2 } }))
    ).toBe('Parameter "window" (Window) must be between 5 and 3600 s, got 2.');
    expect(getTemplate('job-imbalance').params.find((p) => p.name === 'window')?.description).toContain(
      'VictoriaMetrics widens shorter rate windows'
    );
  });

  test('NaN, a job on a cluster template, an unknown severity, spaces', () => {
    expect(
      err(() => renderRule({ templateId: 'ib-errors', scope: { cluster: '*', job: '*' }, params: { maxErrors: NaN } }))
    ).toBe('Parameter "maxErrors" (Errors per minute) must be a number in count, got "NaN".');
    expect(err(() => renderRule({ templateId: 'cluster-silent', scope: { cluster: '*', job: 'jA' } }))).toBe(
      'Template "cluster-silent" watches whole clusters and takes no job: leave the job empty or *.'
    );
    expect(
      err(() => renderRule({ templateId: 'ib-errors', scope: { cluster: '*', job: '*' }, severity: 'page' }))
    ).toBe('Severity "page" is not known: use one of critical, warning, info.');
    expect(err(() => renderRule({ templateId: 'ib-errors', scope: { cluster: ' c1', job: '*' } }))).toBe(
      'Cluster " c1" has leading or trailing spaces: remove them.'
    );
  });
});

describe('provisioning file', () => {
  const text = readFileSync(join(__dirname, '..', '..', PROVISIONING_FILE), 'utf8');

  test('matches the catalog (no drift: run npx tsx scripts/gen-alert-rules.ts)', () => {
    expect(text).toBe(provisioningFileText());
  });

  test('is one multi-dimensional group with every template, valid for file provisioning', () => {
    const file = JSON.parse(text.replace(/^#.*\n/gm, ''));
    expect(file.apiVersion).toBe(1);
    expect(file.groups).toHaveLength(1);
    const g = file.groups[0];
    expect({ orgId: g.orgId, name: g.name, folder: g.folder, interval: g.interval }).toEqual({
      orgId: 1,
      name: 'hifreq-default',
      folder: 'HiFreq',
      interval: '1m',
    });
    expect(g.rules.map((r: RuleCore) => r.uid)).toEqual(TEMPLATES.map((t) => `hifreq-${t.id}`));
    for (const r of g.rules as RuleCore[]) {
      expect(ruleProblems(r)).toEqual([]);
      expect(r.data[0].model).toMatchObject({ cluster: '*', job: '*' });
    }
    expect(file).toEqual(renderDefaultProvisioning());
  });
});

describe('docs/alerts.md', () => {
  test('its template reference matches the catalog (no drift: run npx tsx scripts/gen-alert-rules.ts)', () => {
    const doc = readFileSync(join(__dirname, '..', '..', DOCS_FILE), 'utf8');
    expect(doc).toBe(withTemplates(doc));
    for (const t of TEMPLATES) {
      expect(doc).toContain(`### \`${t.id}\`: ${t.title}`);
    }
  });

  test('a doc without the markers gets an error saying where they go', () => {
    expect(() => withTemplates('# alerts')).toThrow(
      'docs/alerts.md lacks the markers <!-- templates:begin (generated by scripts/gen-alert-rules.ts) --> ... <!-- templates:end -->: put them where the template reference goes.'
    );
  });
});
