import { validateSettings, validateUrl } from './validation';

const none = { basicAuthPassword: { configured: false }, bearerToken: { configured: false } };

describe('validateUrl', () => {
  it('accepts a single-node and a cluster URL', () => {
    expect(validateUrl('http://victoriametrics:8428')).toBeUndefined();
    expect(validateUrl('https://vmselect:8481/select/0/prometheus')).toBeUndefined();
  });
  it('says what to write when the URL is empty', () => {
    expect(validateUrl('  ')).toBe(
      'Enter the URL of VictoriaMetrics, e.g. http://victoriametrics:8428 (single node) or http://vmselect:8481/select/0/prometheus (cluster).'
    );
  });
  it('rejects text that is not a URL, other schemes and query strings', () => {
    expect(validateUrl('victoriametrics:8428x')).toBe('The URL must start with http:// or https://, not victoriametrics://.');
    expect(validateUrl('vm 8428')).toBe('"vm 8428" is not a URL: write it with a scheme and host, e.g. http://victoriametrics:8428.');
    expect(validateUrl('ftp://vm')).toBe('The URL must start with http:// or https://, not ftp://.');
    expect(validateUrl('http://vm:8428/?nocache=1')).toBe(
      'Remove the query string or fragment from the URL: the datasource adds its own query arguments.'
    );
  });
});

describe('validateSettings', () => {
  it('passes valid settings', () => {
    expect(validateSettings('http://vm:8428', { tenant: '12:3', clusterLabel: 'k8s_cluster' }, none)).toEqual({});
  });
  it('needs a user and a password for basic auth', () => {
    expect(validateSettings('http://vm:8428', { authType: 'basic' }, none, '')).toEqual({
      basicAuthUser: 'Basic authentication needs a user name.',
      basicAuthPassword: 'Basic authentication needs a password.',
    });
  });
  it('accepts a stored password the browser cannot see', () => {
    const stored = { ...none, basicAuthPassword: { configured: true } };
    expect(validateSettings('http://vm:8428', { authType: 'basic' }, stored, 'grafana')).toEqual({});
  });
  it('needs a token for bearer auth', () => {
    expect(validateSettings('http://vm:8428', { authType: 'bearer' }, none)).toEqual({ bearerToken: 'Bearer authentication needs a token.' });
    expect(validateSettings('http://vm:8428', { authType: 'bearer' }, { ...none, bearerToken: { configured: false, value: 't' } })).toEqual({});
  });
  it('explains tenant and label name mistakes', () => {
    expect(validateSettings('http://vm:8428', { tenant: 'team-a', clusterLabel: '1cluster' }, none)).toEqual({
      tenant: '"team-a" is not a VictoriaMetrics tenant: use AccountID or AccountID:ProjectID, both numbers (e.g. 0 or 12:3), or leave it empty.',
      clusterLabel: '"1cluster" is not a valid label name: use letters, digits and underscores, not starting with a digit (default: cluster).',
    });
  });
  it('refuses a tenant in both the URL and the setting', () => {
    expect(validateSettings('http://vmselect:8481/select/0/prometheus', { tenant: '1' }, none)).toEqual({
      tenant: 'The URL already names a tenant (/select/<tenant>/prometheus): clear this field or remove it from the URL.',
    });
  });
});
