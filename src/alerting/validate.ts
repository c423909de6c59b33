// Checks the parameters and scope a user gives a template, with messages that say what was
// wrong and what to do. All problems are reported at once.

import { parseScope, quote } from './metricsql';
import { SEVERITIES, type AlertTemplate, type ParamValues, type Scope, type Severity } from './types';

export class TemplateInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TemplateInputError';
  }
}

function checkScopeValue(what: 'Cluster' | 'Job', value: string | undefined, problems: string[]): void {
  const all = what === 'Cluster' ? 'all clusters' : 'all jobs';
  if (value === undefined || value.trim() === '') {
    problems.push(`${what} is empty: give a ${what.toLowerCase()} name, several as a|b, a /regex/, or * for ${all}.`);
    return;
  }
  if (value !== value.trim()) {
    problems.push(`${what} ${quote(value)} has leading or trailing spaces: remove them.`);
    return;
  }
  try {
    parseScope(value);
  } catch (e) {
    problems.push(
      `${what} ${quote(value)}: ${(e as Error).message}. Write a regex as /regex/, several names as a|b, or use * for ${all}.`
    );
  }
}

/** The complete, checked parameters of a template: defaults filled in, unknown names and bad values rejected. */
export function resolveParams(t: AlertTemplate, given: Partial<ParamValues> = {}): ParamValues {
  const problems: string[] = [];
  const known = new Set(t.params.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      problems.push(
        `Unknown parameter ${quote(name)} for template ${quote(t.id)}: it takes ${t.params.map((p) => p.name).join(', ')}.`
      );
    }
  }
  const out: ParamValues = {};
  for (const p of t.params) {
    const v = given[p.name] ?? p.default;
    const what = `Parameter ${quote(p.name)} (${p.label})`;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`${what} must be a number in ${p.unit}, got ${quote(String(v))}.`);
      continue;
    }
    if (p.integer && !Number.isInteger(v)) {
      problems.push(`${what} must be a whole number (${p.unit}), got ${v}.`);
      continue;
    }
    if (v < p.min || v > p.max) {
      problems.push(`${what} must be between ${p.min} and ${p.max} ${p.unit}, got ${v}.`);
      continue;
    }
    out[p.name] = v;
  }
  if (problems.length > 0) {
    throw new TemplateInputError(problems);
  }
  return out;
}

/** The checked scope of a template; a cluster-scoped template takes no job (it is set to `*`). */
export function resolveScope(t: AlertTemplate, given: Partial<Scope>): Scope {
  const problems: string[] = [];
  checkScopeValue('Cluster', given.cluster, problems);
  if (t.scope === 'job') {
    checkScopeValue('Job', given.job, problems);
  } else if (given.job !== undefined && given.job !== '*' && given.job !== '') {
    problems.push(`Template ${quote(t.id)} watches whole clusters and takes no job: leave the job empty or *.`);
  }
  if (problems.length > 0) {
    throw new TemplateInputError(problems);
  }
  return { cluster: given.cluster as string, job: t.scope === 'job' ? (given.job as string) : '*' };
}

export function resolveSeverity(t: AlertTemplate, given?: string): Severity {
  if (given === undefined || given === '') {
    return t.severity;
  }
  if (!(SEVERITIES as readonly string[]).includes(given)) {
    throw new TemplateInputError([`Severity ${quote(given)} is not known: use one of ${SEVERITIES.join(', ')}.`]);
  }
  return given as Severity;
}
