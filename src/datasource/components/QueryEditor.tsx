import React, { type ChangeEvent } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Alert, Combobox, type ComboboxOption, InlineField, InlineFieldRow, RadioButtonGroup, TextArea } from '@grafana/ui';

import type { HiFreqDataSource } from '../datasource';
import { DEFAULT_QUERY, type Envelope, type GroupBy, type HiFreqOptions, type HiFreqQuery, type QueryType } from '../types';
import { useResource } from './useResource';

export type QueryEditorProps_ = QueryEditorProps<HiFreqDataSource, HiFreqQuery, HiFreqOptions>;

export const queryTestIds = {
  mode: 'data-testid hifreq-query-mode',
  cluster: 'data-testid hifreq-query-cluster',
  job: 'data-testid hifreq-query-job',
  signal: 'data-testid hifreq-query-signal',
  node: 'data-testid hifreq-query-node',
  device: 'data-testid hifreq-query-device',
  groupBy: 'data-testid hifreq-query-groupby',
  envelope: 'data-testid hifreq-query-envelope',
  expr: 'data-testid hifreq-query-expr',
};

const MODES: Array<{ label: string; value: QueryType }> = [
  { label: 'Signal', value: 'signal' },
  { label: 'MetricsQL', value: 'metricsql' },
];

const GROUP_BY: Array<{ label: string; value: GroupBy }> = [
  { label: 'Device', value: 'device' },
  { label: 'Node', value: 'node' },
  { label: 'Pod', value: 'pod' },
  { label: 'Job', value: 'job' },
];

const ENVELOPES: Array<{ label: string; value: Envelope; description: string }> = [
  { label: 'Max', value: 'max', description: 'Highest second in each step: bursts stay visible when zoomed out' },
  { label: 'Min', value: 'min', description: 'Lowest second in each step: shows stalls' },
  { label: 'Avg', value: 'avg', description: 'Average of the seconds in each step' },
  { label: 'Band', value: 'band', description: 'Min, avg and max: the range each step covers' },
];

/** Dashboard variables offered beside the backend's values, so `$cluster` / `$job` can be picked. */
function variableOptions(): Array<ComboboxOption<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Dashboard variable' }));
}

function toOptions(values: string[] | undefined): Array<ComboboxOption<string>> {
  return [...variableOptions(), ...(values ?? []).map((v) => ({ label: v, value: v }))];
}

export function QueryEditor({ query, onChange, onRunQuery, datasource, range }: QueryEditorProps_) {
  const q: HiFreqQuery = { ...DEFAULT_QUERY, ...query };
  const mode = q.queryType ?? 'signal';

  const signals = useResource(() => datasource.getSignals(), [datasource]);
  const clusters = useResource(() => datasource.getClusters(), [datasource]);
  const cluster = datasource.interpolate(q.cluster, {});
  const from = range?.from.valueOf();
  const to = range?.to.valueOf();
  const jobs = useResource(
    () => datasource.getJobs(cluster || undefined, from !== undefined && to !== undefined ? { from, to } : undefined),
    [datasource, cluster, from, to]
  );

  const set = (patch: Partial<HiFreqQuery>, run = true) => {
    onChange({ ...q, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  const signalInfo = signals.value?.find((s) => s.id === q.signal);
  const loadError = signals.error || clusters.error || jobs.error;

  return (
    <div>
      {loadError && (
        <Alert severity="error" title="Cannot load choices from the HiFreq backend">
          {loadError}. Check the datasource settings (Save &amp; test) and that VictoriaMetrics is reachable.
        </Alert>
      )}
      <InlineFieldRow>
        <InlineField label="Mode" labelWidth={10}>
          <RadioButtonGroup<QueryType>
            data-testid={queryTestIds.mode}
            options={MODES}
            value={mode}
            onChange={(v) => set({ queryType: v }, false)}
          />
        </InlineField>
        <InlineField label="Cluster" labelWidth={10} tooltip="Exact cluster name, * for any, /regex/ for several, or a variable such as $cluster">
          <Combobox<string>
            id="hifreq-query-cluster"
            data-testid={queryTestIds.cluster}
            width={24}
            loading={clusters.loading}
            isClearable
            createCustomValue
            options={toOptions(clusters.value?.map((c) => c.name))}
            value={q.cluster ?? null}
            onChange={(o) => set({ cluster: o?.value ?? '' })}
          />
        </InlineField>
        <InlineField label="Job" labelWidth={8} tooltip="job_name of the labelled pods: exact, * for any, /regex/, or $job">
          <Combobox<string>
            id="hifreq-query-job"
            data-testid={queryTestIds.job}
            width={30}
            loading={jobs.loading}
            isClearable
            createCustomValue
            options={toOptions(Array.from(new Set((jobs.value ?? []).map((j) => j.name))))}
            value={q.job ?? null}
            onChange={(o) => set({ job: o?.value ?? '' })}
          />
        </InlineField>
      </InlineFieldRow>

      {mode === 'signal' ? (
        <>
          <InlineFieldRow>
            <InlineField label="Signal" labelWidth={10} tooltip={signalInfo?.description}>
              <Combobox<string>
                id="hifreq-query-signal"
                data-testid={queryTestIds.signal}
                width={36}
                loading={signals.loading}
                options={(signals.value ?? []).map((s) => ({ label: s.title, value: s.id, description: s.description }))}
                value={q.signal ?? null}
                onChange={(o) => set({ signal: o.value })}
              />
            </InlineField>
            <InlineField label="Node" labelWidth={8} tooltip="Optional: one node (or $node)">
              <Combobox<string>
                id="hifreq-query-node"
                data-testid={queryTestIds.node}
                width={24}
                isClearable
                createCustomValue
                options={variableOptions()}
                value={q.node || null}
                onChange={(o) => set({ node: o?.value ?? '' })}
              />
            </InlineField>
            <InlineField label="Device" labelWidth={8} tooltip="Optional: one device or interface (or $device)">
              <Combobox<string>
                id="hifreq-query-device"
                data-testid={queryTestIds.device}
                width={20}
                isClearable
                createCustomValue
                options={variableOptions()}
                value={q.device || null}
                onChange={(o) => set({ device: o?.value ?? '' })}
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Group by" labelWidth={10}>
              <RadioButtonGroup<GroupBy>
                data-testid={queryTestIds.groupBy}
                options={GROUP_BY}
                value={q.groupBy}
                onChange={(v) => set({ groupBy: v })}
              />
            </InlineField>
            <InlineField
              label="Envelope"
              labelWidth={10}
              tooltip="When a step covers many seconds, which of them to show. Applies to counters."
            >
              <RadioButtonGroup<Envelope>
                data-testid={queryTestIds.envelope}
                options={ENVELOPES}
                value={q.envelope}
                onChange={(v) => set({ envelope: v })}
              />
            </InlineField>
          </InlineFieldRow>
        </>
      ) : (
        <InlineFieldRow>
          <InlineField
            label="MetricsQL"
            labelWidth={10}
            grow
            tooltip="Raw MetricsQL; the cluster and job above scope every selector"
          >
            <TextArea
              id="hifreq-query-expr"
              data-testid={queryTestIds.expr}
              rows={3}
              value={q.expr ?? ''}
              placeholder='sum by (node) (irate(node_infiniband_port_data_received_bytes_total[$__rate_interval]))'
              onChange={(e: ChangeEvent<HTMLTextAreaElement>) => set({ expr: e.currentTarget.value }, false)}
              onBlur={onRunQuery}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </div>
  );
}
