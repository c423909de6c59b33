import { type AnnotationEvent, type DataFrame, FieldType } from '@grafana/data';

/** InfiniBand port states (`node_infiniband_state_id`). */
export const IB_STATES: Record<number, string> = { 1: 'DOWN', 2: 'INIT', 3: 'ARMED', 4: 'ACTIVE', 5: 'ACTIVE_DEFER' };

function stateName(v: number): string {
  return IB_STATES[v] ?? `state ${v}`;
}

/**
 * Turns `ib_state` series into annotations: one event at each point where a port's state differs
 * from its previous point (nulls, i.e. gaps, are skipped). Title names the port, text the change.
 */
export function linkStateEvents(frames: DataFrame[]): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const labels = field.labels ?? {};
      const port = [labels.node, labels.device, labels.port ? `port ${labels.port}` : ''].filter(Boolean).join(' ') || field.name;
      let prev: number | null = null;
      for (let i = 0; i < field.values.length; i++) {
        const v = field.values[i];
        if (v === null || v === undefined || Number.isNaN(v)) {
          continue;
        }
        if (prev !== null && v !== prev) {
          events.push({
            time: time.values[i],
            title: `Link state change: ${port}`,
            text: `${port}: ${stateName(prev)} → ${stateName(v)}`,
            tags: ['hifreq', 'link-state', v < prev ? 'down' : 'up'],
            color: v === 4 ? 'green' : 'red',
          });
        }
        prev = v;
      }
    }
  }
  return events.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
}
