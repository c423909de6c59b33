// What Grafana does with the rows of a rule's query: the `reduce` expression (with mode dropNN:
// NaN and ±Inf are dropped) and the `threshold` expression. Used to evaluate a rendered rule
// against data a real VictoriaMetrics returned.
import type { RuleCore } from '../types';
import type { RangeSeries } from './vm';

export interface Evaluated {
  labels: Record<string, string>;
  value: number;
  firing: boolean;
}

function stepOf(rule: RuleCore, refId: string): Record<string, any> {
  const q = rule.data.find((d) => d.refId === refId);
  if (!q) {
    throw new Error(`rule ${rule.uid} has no ${refId}`);
  }
  return q.model as Record<string, any>;
}

export function evaluateRule(rule: RuleCore, rows: RangeSeries[]): Evaluated[] {
  const reduce = stepOf(rule, 'B');
  const threshold = stepOf(rule, 'C');
  const evaluator = threshold.conditions[0].evaluator as { type: 'gt' | 'lt'; params: number[] };
  const out: Evaluated[] = [];
  for (const row of rows) {
    const vals = row.values.map(([, v]) => Number(v)).filter((v) => Number.isFinite(v));
    if (vals.length === 0) {
      continue;
    }
    const value = reduce.reducer === 'max' ? Math.max(...vals) : Math.min(...vals);
    const firing = evaluator.type === 'gt' ? value > evaluator.params[0] : value < evaluator.params[0];
    out.push({ labels: row.metric, value, firing });
  }
  return out;
}

/** `k=v,k=v` of the chosen labels, for compact exact assertions. */
export function dims(labels: Record<string, string>, keys: string[]): string {
  return keys.map((k) => `${k}=${labels[k] ?? ''}`).join(',');
}
