import { useEffect, useState } from 'react';

export interface ResourceState<T> {
  loading: boolean;
  value?: T;
  error?: string;
}

/** Turns any thrown value (Error, Grafana fetch error, string) into a sentence for people. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'string') {
    return err;
  }
  if (err && typeof err === 'object') {
    const e = err as { data?: { message?: string; error?: string }; message?: string; statusText?: string; status?: number };
    const detail = e.data?.message || e.data?.error || e.message || e.statusText;
    if (detail) {
      return e.status ? `${detail} (HTTP ${e.status})` : detail;
    }
  }
  return 'Unknown error';
}

function sameDeps(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Loads something from the backend again whenever `deps` change; keeps the last value while reloading. */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): ResourceState<T> {
  const [state, setState] = useState<{ deps?: unknown[]; value?: T; error?: string }>({});
  useEffect(() => {
    let cancelled = false;
    load().then(
      (value) => !cancelled && setState({ deps, value }),
      (err) => !cancelled && setState({ deps, error: errorMessage(err) })
    );
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  const current = state.deps !== undefined && sameDeps(state.deps, deps);
  return { loading: !current, value: state.value, error: current ? state.error : undefined };
}
