import { DEFAULT_SETTINGS, resolveSettings, validateAppSettings } from './settings';

describe('app settings', () => {
  it('defaults to the provisioned datasource and the DESIGN.md label names', () => {
    expect(resolveSettings(undefined)).toEqual({
      datasourceUid: 'hifreq-vm',
      clusterLabel: 'cluster',
      jobLabel: 'job_name',
      podSelector: 'monitor=high-frequency',
    });
    expect(resolveSettings({ datasourceUid: 'other', jobLabel: '' })).toEqual({ ...DEFAULT_SETTINGS, datasourceUid: 'other' });
  });
  it('accepts the defaults', () => {
    expect(validateAppSettings(DEFAULT_SETTINGS, ['hifreq-vm'])).toEqual({});
  });
  it('says which datasources exist when the uid is unknown', () => {
    expect(validateAppSettings({ ...DEFAULT_SETTINGS, datasourceUid: 'gone' }, ['hifreq-vm', 'hifreq-b'])).toEqual({
      datasourceUid: 'There is no HiFreq datasource with uid "gone". Pick one of: hifreq-vm, hifreq-b.',
    });
    expect(validateAppSettings({ ...DEFAULT_SETTINGS, datasourceUid: 'gone' }, [])).toEqual({
      datasourceUid:
        'There is no HiFreq datasource with uid "gone": add one under Connections → Data sources (type "HiFreq VictoriaMetrics") first.',
    });
  });
  it('does not check the uid when the datasources could not be listed', () => {
    expect(validateAppSettings({ ...DEFAULT_SETTINGS, datasourceUid: 'x' }, undefined)).toEqual({});
  });
  it('rejects bad label names and selectors with the reason', () => {
    expect(validateAppSettings({ ...DEFAULT_SETTINGS, clusterLabel: 'clu-ster', jobLabel: '1bad-label', podSelector: 'monitor=high frequency' })).toEqual({
      clusterLabel: '"clu-ster" is not a valid label name: use letters, digits and underscores, not starting with a digit.',
      jobLabel: '"1bad-label" is not a valid label name: use letters, digits and underscores, not starting with a digit.',
      podSelector: '"monitor=high frequency" is not a label selector term: write key=value (several joined by commas), e.g. monitor=high-frequency.',
    });
  });
  it('accepts selectors with prefixes, != and several terms', () => {
    expect(validateAppSettings({ ...DEFAULT_SETTINGS, podSelector: 'example.com/monitor=high-frequency, tier!=batch' })).toEqual({});
  });
});
