import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { HiFreqQuery } from './types';

/** The query fields that name label values and may hold dashboard variables. */
export const LABEL_FIELDS = ['cluster', 'job', 'node', 'device'] as const;

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g;

/** Escapes a value so a regex matches exactly that value. */
export function escapeRegex(value: string): string {
  return value.replace(REGEX_SPECIAL, '\\$&');
}

/**
 * Formats a variable's value for a label field in the backend's syntax (docs/backend.md "Query
 * model"): one value stays as it is (the backend matches it exactly, quotes and regex characters
 * included); several values (a multi-value or "All" variable) become `/a|b/`, an anchored regex
 * of the escaped values.
 */
export function formatLabelValue(value: unknown): string {
  if (!Array.isArray(value)) {
    return String(value ?? '');
  }
  if (value.length === 1) {
    return String(value[0]);
  }
  return '/' + value.map((v) => escapeRegex(String(v))).join('|') + '/';
}

/** Formats a variable for a raw MetricsQL expression: multi-values become `(a|b)`, escaped. */
export function formatMetricsQLValue(value: unknown): string {
  if (!Array.isArray(value)) {
    return escapeRegex(String(value ?? ''));
  }
  if (value.length === 1) {
    return escapeRegex(String(value[0]));
  }
  return '(' + value.map((v) => escapeRegex(String(v))).join('|') + ')';
}

/** Replaces dashboard variables in every field of a query that can carry them. */
export function interpolateQuery(query: HiFreqQuery, scopedVars: ScopedVars, templateSrv: TemplateSrv): HiFreqQuery {
  const out: HiFreqQuery = { ...query };
  for (const field of LABEL_FIELDS) {
    const value = query[field];
    if (value) {
      out[field] = templateSrv.replace(value, scopedVars, formatLabelValue);
    }
  }
  if (query.signal) {
    out.signal = templateSrv.replace(query.signal, scopedVars);
  }
  if (query.groupBy) {
    out.groupBy = templateSrv.replace(query.groupBy, scopedVars) as HiFreqQuery['groupBy'];
  }
  if (query.envelope) {
    out.envelope = templateSrv.replace(query.envelope, scopedVars) as HiFreqQuery['envelope'];
  }
  if (query.expr) {
    out.expr = templateSrv.replace(query.expr, scopedVars, formatMetricsQLValue);
  }
  return out;
}
