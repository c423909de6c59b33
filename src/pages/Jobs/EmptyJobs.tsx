import React, { useState } from 'react';
import { Field, Input, Stack, Text, EmptyState } from '@grafana/ui';

import { estimateCost, formatBytes } from '../../cost';

export const emptyJobsTestIds = {
  container: 'data-testid hifreq-jobs-empty',
  estimate: 'data-testid hifreq-cost-estimate',
};

interface Props {
  podSelector: string;
  cluster: string;
}

function parseCount(value: string): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
}

/** No job sends per-second data yet: how to label pods, and what it will cost. */
export function EmptyJobs({ podSelector, cluster }: Props) {
  const [nodes, setNodes] = useState('4');
  const [devices, setDevices] = useState('8');
  const [pods, setPods] = useState('1');
  const [key, value] = podSelector.split('=');
  const input = { nodes: parseCount(nodes), ibDevicesPerNode: parseCount(devices), podsPerNode: parseCount(pods) };
  const valid = Object.values(input).every((n) => !Number.isNaN(n));
  const cost = valid ? estimateCost(input) : undefined;

  return (
    <div data-testid={emptyJobsTestIds.container}>
      <EmptyState
        variant="call-to-action"
        message={`No job has per-second network data${cluster ? ` in cluster ${cluster}` : ''} in this time range`}
      >
        <Stack direction="column" gap={2}>
          <Text element="p">
            Label the pods of a job <code>{podSelector}</code> and the HiFreq agent on each of their nodes samples the
            network devices they use every second, within a second or two. Remove the label (or end the job) and it
            falls back to 15 s.
          </Text>
          <pre>{`kubectl label pod -n <namespace> -l job-name=<job> ${key}=${value ?? ''}\n\n# or in the pod template:\nmetadata:\n  labels:\n    ${key}: ${value ?? '""'}`}</pre>
          <Text element="h4">What it costs</Text>
          <Stack direction="row" gap={2} wrap="wrap">
            <Field label="Nodes of the job" invalid={Number.isNaN(input.nodes)} error="A whole number, 0 or more">
              <Input
                aria-label="Nodes of the job"
                width={12}
                value={nodes}
                onChange={(e) => setNodes(e.currentTarget.value)}
              />
            </Field>
            <Field
              label="IB devices per node"
              invalid={Number.isNaN(input.ibDevicesPerNode)}
              error="A whole number, 0 or more"
            >
              <Input
                aria-label="IB devices per node"
                width={12}
                value={devices}
                onChange={(e) => setDevices(e.currentTarget.value)}
              />
            </Field>
            <Field
              label="Labelled pods per node"
              invalid={Number.isNaN(input.podsPerNode)}
              error="A whole number, 0 or more"
            >
              <Input
                aria-label="Labelled pods per node"
                width={12}
                value={pods}
                onChange={(e) => setPods(e.currentTarget.value)}
              />
            </Field>
          </Stack>
          {cost && (
            <div data-testid={emptyJobsTestIds.estimate}>
              <Text element="p">
                {`${cost.seriesPerNode} series and ${cost.samplesPerSecondPerNode} samples/s per node, about ${formatBytes(
                  cost.bytesPerDayPerNode
                )} per node per day; ${cost.samplesPerSecondTotal} samples/s and ${formatBytes(cost.bytesPerDayTotal)} per day for the job.`}
              </Text>
            </div>
          )}
          <Text element="p" color="secondary">
            Based on about 2.8 bytes per stored sample measured for realistic 1 s network counters in VictoriaMetrics
            (240 kB per series per day, 13.7× the same data at 15 s). The agents report what they actually send as
            hifreq_agent_* metrics.
          </Text>
        </Stack>
      </EmptyState>
    </div>
  );
}
