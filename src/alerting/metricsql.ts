// Small, pure helpers that build the MetricsQL of the alert templates. Every label value that
// reaches a query goes through `quote`, so a job or cluster name with quotes or backslashes
// cannot break out of its matcher.

/** Quotes a string as a MetricsQL string literal. */
export function quote(value: string): string {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/**
 * A scope value, in the backend's syntax (pkg/plugin/filter.go): `*` (any), `/re/` (an anchored
 * regular expression), `a|b\.c` (values joined by `|`, every other regex character escaped: how
 * Grafana sends a multi-value variable), otherwise the exact value, quotes and regex characters
 * included.
 */
export type ScopeValue = string;

export type ParsedScope = { kind: 'any' } | { kind: 'exact'; value: string } | { kind: 'regex'; value: string };

const REGEX_META = '^$.*+?()[]{}';

/** True for values joined by unescaped `|` in which every other regex metacharacter is escaped. */
export function isEscapedAlternation(s: string): boolean {
  let bars = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
    } else if (c === '|') {
      bars++;
    } else if (REGEX_META.includes(c)) {
      return false;
    }
  }
  return bars > 0;
}

/** Parses a scope value; throws an Error naming the problem for a regex that does not compile. */
export function parseScope(raw: ScopeValue): ParsedScope {
  if (raw === '' || raw === '*' || raw === '.*') {
    return { kind: 'any' };
  }
  let re: string | undefined;
  if (isEscapedAlternation(raw)) {
    re = raw;
  } else if (raw.length >= 2 && raw.startsWith('/') && raw.endsWith('/')) {
    re = raw.slice(1, -1);
    if (re === '') {
      throw new Error('the regex // is empty: use * for any');
    }
    if (re === '.*' || re === '.+') {
      return { kind: 'any' };
    }
  }
  if (re === undefined) {
    return { kind: 'exact', value: raw };
  }
  try {
    new RegExp(`^(?:${re})$`);
  } catch (e) {
    throw new Error(`the regex ${quote(re)} does not compile (${(e as Error).message})`);
  }
  return { kind: 'regex', value: re };
}

/**
 * A label matcher for a scope value. Any (`*`) matches any non-empty value, so job-scoped
 * selectors only see series bound to a job.
 */
export function matcher(label: string, value: ScopeValue): string {
  const p = parseScope(value);
  switch (p.kind) {
    case 'any':
      return `${label}=~".+"`;
    case 'regex':
      return `${label}=~${quote(p.value)}`;
    case 'exact':
      return `${label}=${quote(p.value)}`;
  }
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
