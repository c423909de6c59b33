import type { HiFreqOptions } from './types';

/** What the config editor checks before Grafana saves the datasource. Field name → message. */
export type SettingsErrors = Partial<Record<'url' | 'basicAuthUser' | 'basicAuthPassword' | 'bearerToken' | 'tenant' | 'clusterLabel', string>>;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TENANT = /^\d+(:\d+)?$/;
const TENANT_IN_URL = /\/select\/[^/]+\/prometheus\/?$/;

export interface SecretState {
  /** true when Grafana already stores the secret (the browser never sees its value). */
  configured: boolean;
  /** a new value typed in this session, if any */
  value?: string;
}

export function validateUrl(url: string | undefined): string | undefined {
  const value = (url ?? '').trim();
  if (!value) {
    return 'Enter the URL of VictoriaMetrics, e.g. http://victoriametrics:8428 (single node) or http://vmselect:8481/select/0/prometheus (cluster).';
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `"${value}" is not a URL: write it with a scheme and host, e.g. http://victoriametrics:8428.`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `The URL must start with http:// or https://, not ${parsed.protocol}//.`;
  }
  if (parsed.search || parsed.hash) {
    return 'Remove the query string or fragment from the URL: the datasource adds its own query arguments.';
  }
  return undefined;
}

/** Checks every setting; an empty object means the settings are valid. */
export function validateSettings(
  url: string | undefined,
  jsonData: HiFreqOptions,
  secrets: { basicAuthPassword: SecretState; bearerToken: SecretState },
  basicAuthUser?: string
): SettingsErrors {
  const errors: SettingsErrors = {};
  const urlError = validateUrl(url);
  if (urlError) {
    errors.url = urlError;
  }
  const authType = jsonData.authType ?? 'none';
  if (authType === 'basic') {
    if (!(basicAuthUser ?? '').trim()) {
      errors.basicAuthUser = 'Basic authentication needs a user name.';
    }
    if (!secrets.basicAuthPassword.configured && !secrets.basicAuthPassword.value) {
      errors.basicAuthPassword = 'Basic authentication needs a password.';
    }
  }
  if (authType === 'bearer' && !secrets.bearerToken.configured && !secrets.bearerToken.value) {
    errors.bearerToken = 'Bearer authentication needs a token.';
  }
  const tenant = (jsonData.tenant ?? '').trim();
  if (tenant && TENANT_IN_URL.test(url ?? '')) {
    errors.tenant = 'The URL already names a tenant (/select/<tenant>/prometheus): clear this field or remove it from the URL.';
  } else if (tenant && !TENANT.test(tenant)) {
    errors.tenant = `"${tenant}" is not a VictoriaMetrics tenant: use AccountID or AccountID:ProjectID, both numbers (e.g. 0 or 12:3), or leave it empty.`;
  }
  const label = jsonData.clusterLabel ?? '';
  if (label !== '' && !LABEL_NAME.test(label)) {
    errors.clusterLabel = `"${label}" is not a valid label name: use letters, digits and underscores, not starting with a digit (default: cluster).`;
  }
  return errors;
}
