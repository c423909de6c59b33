import React, { type ChangeEvent } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';

import type { HiFreqDataSource } from '../datasource';
import type { HiFreqOptions, HiFreqQuery, HiFreqVariableQuery } from '../types';

type Props = QueryEditorProps<HiFreqDataSource, HiFreqQuery, HiFreqOptions, HiFreqVariableQuery>;

const KINDS: Array<{ label: string; value: HiFreqVariableQuery['kind'] }> = [
  { label: 'Clusters', value: 'clusters' },
  { label: 'Jobs', value: 'jobs' },
  { label: 'Nodes', value: 'nodes' },
  { label: 'Devices', value: 'devices' },
];

export const variableTestIds = {
  kind: 'data-testid hifreq-variable-kind',
  cluster: 'data-testid hifreq-variable-cluster',
  job: 'data-testid hifreq-variable-job',
};

/** Lists clusters, jobs of a cluster, or nodes / devices of a job. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const q: HiFreqVariableQuery = { ...query, refId: query.refId ?? 'variable', kind: query.kind ?? 'clusters' };
  const set = (patch: Partial<HiFreqVariableQuery>) => onChange({ ...q, ...patch });
  return (
    <InlineFieldRow>
      <InlineField label="List" labelWidth={10}>
        <RadioButtonGroup data-testid={variableTestIds.kind} options={KINDS} value={q.kind} onChange={(kind) => set({ kind })} />
      </InlineField>
      {q.kind !== 'clusters' && (
        <InlineField label="Cluster" labelWidth={10} tooltip="A cluster name or a variable such as $cluster">
          <Input
            data-testid={variableTestIds.cluster}
            width={24}
            value={q.cluster ?? ''}
            placeholder="$cluster"
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ cluster: e.currentTarget.value })}
          />
        </InlineField>
      )}
      {(q.kind === 'nodes' || q.kind === 'devices') && (
        <InlineField label="Job" labelWidth={8} tooltip="A job name or a variable such as $job">
          <Input
            data-testid={variableTestIds.job}
            width={24}
            value={q.job ?? ''}
            placeholder="$job"
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ job: e.currentTarget.value })}
          />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
