// Shared contracts between the agent's collectors, scheduler, HTTP exposition and remote write.

export type Labels = Record<string, string>;

/** One reading of one series, stamped with the wall-clock time it was read (ms since epoch). */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
  timestampMs: number;
  /** A Prometheus staleness marker: encoders write the special StaleNaN bit pattern. */
  stale?: boolean;
}

/** Where the scheduler hands every tick's samples (remote-write queues, the /metrics cache). */
export interface SampleSink {
  write(samples: readonly Sample[]): void;
}

/**
 * Code-point order. (String#localeCompare would load ICU's collation data, about 3 MB of RSS, for
 * names that are ASCII anyway: Kubernetes names and target ids order the same either way.)
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
