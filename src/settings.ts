import { DEFAULT_DATASOURCE_UID } from './constants';

/** The app's own settings (plugin jsonData), edited on its Configuration page. */
export interface AppSettings {
  /** uid of the HiFreq datasource the pages query. */
  datasourceUid?: string;
  /** label that carries the cluster on every series */
  clusterLabel?: string;
  /** label that carries the job name on bound series */
  jobLabel?: string;
  /** pod selector the agents use, shown in the labelling help */
  podSelector?: string;
}

export interface ResolvedSettings {
  datasourceUid: string;
  clusterLabel: string;
  jobLabel: string;
  podSelector: string;
}

export const DEFAULT_SETTINGS: ResolvedSettings = {
  datasourceUid: DEFAULT_DATASOURCE_UID,
  clusterLabel: 'cluster',
  jobLabel: 'job_name',
  podSelector: 'monitor=high-frequency',
};

export function resolveSettings(s: AppSettings | undefined): ResolvedSettings {
  return {
    datasourceUid: s?.datasourceUid || DEFAULT_SETTINGS.datasourceUid,
    clusterLabel: s?.clusterLabel || DEFAULT_SETTINGS.clusterLabel,
    jobLabel: s?.jobLabel || DEFAULT_SETTINGS.jobLabel,
    podSelector: s?.podSelector || DEFAULT_SETTINGS.podSelector,
  };
}

export type AppSettingsErrors = Partial<Record<keyof AppSettings, string>>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Kubernetes label selector terms: key=value, key!=value, key (exists); keys may have a DNS prefix.
const SELECTOR_TERM = /^!?([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?(\s*(=|==|!=)\s*([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?)?$/;

/**
 * Checks the app settings. `knownDatasources` are the uids of HiFreq datasources that exist;
 * pass undefined when they could not be listed (then the uid is not checked against them).
 */
export function validateAppSettings(s: AppSettings, knownDatasources?: string[]): AppSettingsErrors {
  const errors: AppSettingsErrors = {};
  const uid = (s.datasourceUid ?? '').trim();
  if (!uid) {
    errors.datasourceUid = 'Pick the HiFreq datasource the pages should query.';
  } else if (knownDatasources && !knownDatasources.includes(uid)) {
    errors.datasourceUid = knownDatasources.length
      ? `There is no HiFreq datasource with uid "${uid}". Pick one of: ${knownDatasources.join(', ')}.`
      : `There is no HiFreq datasource with uid "${uid}": add one under Connections → Data sources (type "HiFreq VictoriaMetrics") first.`;
  }
  for (const key of ['clusterLabel', 'jobLabel'] as const) {
    const v = s[key];
    if (v && !LABEL_NAME.test(v)) {
      errors[key] = `"${v}" is not a valid label name: use letters, digits and underscores, not starting with a digit.`;
    }
  }
  const sel = s.podSelector;
  if (sel !== undefined && sel !== '') {
    const bad = sel.split(',').map((t) => t.trim()).find((t) => !SELECTOR_TERM.test(t));
    if (bad !== undefined) {
      errors.podSelector = `"${bad}" is not a label selector term: write key=value (several joined by commas), e.g. monitor=high-frequency.`;
    }
  }
  return errors;
}
