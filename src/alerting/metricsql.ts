// Small, pure helpers that build the MetricsQL of the alert templates. Every label value that
// reaches a query goes through `quote`, so a job or cluster name with quotes or backslashes
// cannot break out of its matcher.

/** A scope value: `*` (everything), an exact name, or a regular expression (RE2, anchored). */
export type ScopeValue = string;

/** Quotes a string as a MetricsQL string literal. */
export function quote(value: string): string {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/**
 * A label matcher for a scope value. `*` matches any non-empty value (so job-scoped selectors
 * only see series bound to a job); anything else is an anchored regular expression, which also
 * matches an exact name.
 */
export function matcher(label: string, value: ScopeValue): string {
  return `${label}=~${quote(value === '*' ? '.+' : value)}`;
}

/** A selector for a metric (or a `__name__` regex when `names` has several) with matchers. */
export function selector(names: string | string[], matchers: string[]): string {
  if (Array.isArray(names)) {
    return `{${[`__name__=~${quote(names.join('|'))}`, ...matchers].join(',')}}`;
  }
  return `${names}{${matchers.join(',')}}`;
}

/**
 * The exact per-second increase of a counter at each 1 s step: `x - x offset 1s`, with a counter
 * reset counted as 0 for that second. Unlike `rate(x[1s])`, VictoriaMetrics does not widen this
 * to a 5 s average (DESIGN.md §4), so a single-second burst keeps its full height.
 */
export function perSecond(sel: string): string {
  return `clamp_min(${sel} - ${sel} offset 1s, 0)`;
}

/** `<n>s`: the MetricsQL duration of a whole number of seconds. */
export function seconds(n: number): string {
  return `${n}s`;
}
