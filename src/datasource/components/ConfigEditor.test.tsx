import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { DataSourceSettings } from '@grafana/data';

import type { HiFreqOptions, HiFreqSecureOptions } from '../types';
import { ConfigEditor, configTestIds, switchAuth } from './ConfigEditor';

type Settings = DataSourceSettings<HiFreqOptions, HiFreqSecureOptions>;

function settings(patch: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'hifreq-vm',
    orgId: 1,
    name: 'HiFreq VictoriaMetrics',
    type: 'hifreq-netmon-datasource',
    typeName: 'HiFreq VictoriaMetrics',
    typeLogoUrl: '',
    access: 'proxy',
    url: 'http://victoriametrics:8428',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...patch,
  } as Settings;
}

/** Renders the editor the way Grafana's settings page does: it owns the settings and re-renders on change. */
function Host({ initial, onSaved }: { initial: Settings; onSaved: (s: Settings) => void }) {
  const [options, setOptions] = useState(initial);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(o) => {
        setOptions(o);
        onSaved(o);
      }}
    />
  );
}

describe('ConfigEditor', () => {
  it('edits the URL and tells what is wrong with it', () => {
    let last: Settings | undefined;
    render(<Host initial={settings()} onSaved={(s) => (last = s)} />);
    const url = screen.getByTestId(configTestIds.url);
    expect(url).toHaveValue('http://victoriametrics:8428');
    fireEvent.change(url, { target: { value: 'ftp://vm' } });
    expect(last?.url).toBe('ftp://vm');
    expect(screen.getByText('The URL must start with http:// or https://, not ftp://.')).toBeInTheDocument();
    fireEvent.change(url, { target: { value: 'http://vm:8428' } });
    expect(screen.queryByText(/The URL must start/)).not.toBeInTheDocument();
  });

  it('stores the tenant and cluster label in jsonData, with readable errors', () => {
    let last: Settings | undefined;
    render(<Host initial={settings()} onSaved={(s) => (last = s)} />);
    fireEvent.change(screen.getByTestId(configTestIds.tenant), { target: { value: 'team-a' } });
    expect(last?.jsonData.tenant).toBe('team-a');
    expect(screen.getByText(/"team-a" is not a VictoriaMetrics tenant/)).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(configTestIds.clusterLabel), { target: { value: 'k8s_cluster' } });
    expect(last?.jsonData).toEqual({ tenant: 'team-a', clusterLabel: 'k8s_cluster' });
  });

  it('basic auth uses Grafana’s basicAuth fields and keeps the password in secureJsonData', () => {
    let last: Settings | undefined;
    render(<Host initial={settings()} onSaved={(s) => (last = s)} />);
    fireEvent.click(screen.getByLabelText('Basic'));
    expect(last?.basicAuth).toBe(true);
    expect(screen.getByText('Basic authentication needs a user name.')).toBeInTheDocument();
    expect(screen.getByText('Basic authentication needs a password.')).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(configTestIds.user), { target: { value: 'grafana' } });
    fireEvent.change(screen.getByTestId(configTestIds.password), { target: { value: 's3cret' } });
    expect(last?.basicAuthUser).toBe('grafana');
    expect(last?.secureJsonData).toEqual({ basicAuthPassword: 's3cret', bearerToken: '' });
    expect(JSON.stringify(last?.jsonData)).not.toContain('s3cret');
    expect(screen.queryByText(/Basic authentication needs/)).not.toBeInTheDocument();
  });

  it('shows a stored token as configured, without its value', () => {
    render(<Host initial={settings({ jsonData: { authType: 'bearer' }, secureJsonFields: { bearerToken: true } })} onSaved={() => {}} />);
    expect(screen.getByTestId(configTestIds.token)).toHaveValue('configured');
    expect(screen.queryByText('Bearer authentication needs a token.')).not.toBeInTheDocument();
  });

  it('switching auth drops the other method’s secret (the backend refuses both at once)', () => {
    const s = settings({
      basicAuth: true,
      basicAuthUser: 'grafana',
      secureJsonFields: { basicAuthPassword: true },
      jsonData: { authType: 'basic' },
    });
    const out = switchAuth(s, 'bearer');
    expect(out.basicAuth).toBe(false);
    expect(out.basicAuthUser).toBe('');
    expect(out.secureJsonFields).toEqual({ basicAuthPassword: false });
    expect(out.secureJsonData).toEqual({ basicAuthPassword: '' });
    expect(out.jsonData.authType).toBe('bearer');
  });
});
