// The agent's own metrics (hifreq_agent_*), exposed on /metrics through prom-client.
import { Counter, Gauge, Histogram, Registry, registerProcessMetrics } from './promclient.ts';

export const AGENT_VERSION = '0.1.0';

export interface SelfMetrics {
  registry: Registry;
  samplesCollected: Counter<'collector'>;
  collectDuration: Histogram<'collector'>;
  collectErrors: Counter<'collector'>;
  stalenessMarkers: Counter;
  ticks: Counter;
  missedTicks: Counter;
  highFrequencyPods: Gauge;
  targets: Gauge<'interval'>;
  podSourceErrors: Counter<'source'>;
  bindingErrors: Counter;
}

export function createSelfMetrics(registry = new Registry()): SelfMetrics {
  registerProcessMetrics(registry);
  new Gauge({
    name: 'hifreq_agent_build_info',
    help: 'Build information of the agent (value 1).',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version: AGENT_VERSION, nodejs: process.version }, 1);
  return {
    registry,
    samplesCollected: new Counter({ name: 'hifreq_agent_samples_collected_total', help: 'Samples read by collectors.', labelNames: ['collector'], registers: [registry] }),
    collectDuration: new Histogram({
      name: 'hifreq_agent_collect_duration_seconds',
      help: 'Time one collector took to read its due targets in one tick.',
      labelNames: ['collector'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    collectErrors: new Counter({ name: 'hifreq_agent_collect_errors_total', help: 'Collector errors (unreadable or malformed files, missing devices, timeouts, overruns).', labelNames: ['collector'], registers: [registry] }),
    stalenessMarkers: new Counter({ name: 'hifreq_agent_staleness_markers_total', help: 'Staleness markers sent for series whose binding or device ended.', registers: [registry] }),
    ticks: new Counter({ name: 'hifreq_agent_ticks_total', help: 'Scheduler ticks run.', registers: [registry] }),
    missedTicks: new Counter({ name: 'hifreq_agent_missed_ticks_total', help: 'Tick boundaries skipped because the event loop was blocked past them.', registers: [registry] }),
    highFrequencyPods: new Gauge({ name: 'hifreq_agent_high_frequency_pods', help: 'Pods of this node matching the selector.', registers: [registry] }),
    targets: new Gauge({ name: 'hifreq_agent_targets', help: 'Targets by current interval.', labelNames: ['interval'], registers: [registry] }),
    podSourceErrors: new Counter({ name: 'hifreq_agent_pod_source_errors_total', help: 'Errors of the pod source (unreadable file, watch errors, kubelet errors).', labelNames: ['source'], registers: [registry] }),
    bindingErrors: new Counter({ name: 'hifreq_agent_binding_errors_total', help: 'Problems binding pods to devices (unknown device, PodResources unreachable).', registers: [registry] }),
  };
}
