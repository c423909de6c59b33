import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, Switch } from '@grafana/ui';

import type { AuthType, HiFreqOptions, HiFreqSecureOptions } from '../types';
import { validateSettings } from '../validation';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<HiFreqOptions, HiFreqSecureOptions>;

const AUTH_OPTIONS: Array<{ label: string; value: AuthType; description: string }> = [
  { label: 'None', value: 'none', description: 'VictoriaMetrics accepts queries without credentials' },
  { label: 'Basic', value: 'basic', description: 'User name and password (e.g. vmauth)' },
  { label: 'Bearer token', value: 'bearer', description: 'Authorization: Bearer <token>' },
];

export const configTestIds = {
  url: 'data-testid hifreq-config-url',
  authType: 'data-testid hifreq-config-auth',
  user: 'data-testid hifreq-config-user',
  password: 'data-testid hifreq-config-password',
  token: 'data-testid hifreq-config-token',
  tlsSkipVerify: 'data-testid hifreq-config-tls-skip-verify',
  tenant: 'data-testid hifreq-config-tenant',
  clusterLabel: 'data-testid hifreq-config-cluster-label',
};

/** Settings of the HiFreq datasource; secrets go to secureJsonData and are never read back. */
export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const jsonData = options.jsonData ?? {};
  const secure = options.secureJsonFields ?? {};
  const secureData = options.secureJsonData ?? {};
  const authType: AuthType = jsonData.authType ?? (options.basicAuth ? 'basic' : secure.bearerToken ? 'bearer' : 'none');

  const errors = validateSettings(
    options.url,
    jsonData,
    {
      basicAuthPassword: { configured: Boolean(secure.basicAuthPassword), value: secureData.basicAuthPassword },
      bearerToken: { configured: Boolean(secure.bearerToken), value: secureData.bearerToken },
    },
    options.basicAuthUser
  );

  const setJson = (patch: Partial<HiFreqOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });

  const setSecret = (key: keyof HiFreqSecureOptions, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureData, [key]: value } });

  const resetSecret = (key: keyof HiFreqSecureOptions) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secure, [key]: false },
      secureJsonData: { ...secureData, [key]: '' },
    });

  return (
    <>
      <FieldSet label="VictoriaMetrics">
        <Field
          label="URL"
          description="VictoriaMetrics root: single node http://victoriametrics:8428, cluster http://vmselect:8481 (with the tenant below)"
          invalid={Boolean(errors.url)}
          error={errors.url}
          required
        >
          <Input
            id="hifreq-url"
            data-testid={configTestIds.url}
            width={60}
            value={options.url ?? ''}
            placeholder="http://victoriametrics:8428"
            onChange={(e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, url: e.currentTarget.value.trim() })}
          />
        </Field>
        <Field
          label="Tenant"
          description="Cluster version only: 0 or accountID:projectID; leave empty for a single node"
          invalid={Boolean(errors.tenant)}
          error={errors.tenant}
        >
          <Input
            id="hifreq-tenant"
            data-testid={configTestIds.tenant}
            width={20}
            value={jsonData.tenant ?? ''}
            placeholder="0"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setJson({ tenant: e.currentTarget.value.trim() })}
          />
        </Field>
        <Field
          label="Cluster label"
          description="Label that carries the cluster name on every series (the agent's --cluster)"
          invalid={Boolean(errors.clusterLabel)}
          error={errors.clusterLabel}
        >
          <Input
            id="hifreq-cluster-label"
            data-testid={configTestIds.clusterLabel}
            width={30}
            value={jsonData.clusterLabel ?? ''}
            placeholder="cluster"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setJson({ clusterLabel: e.currentTarget.value.trim() })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Authentication">
        <Field label="Method">
          <RadioButtonGroup<AuthType>
            data-testid={configTestIds.authType}
            options={AUTH_OPTIONS}
            value={authType}
            onChange={(v) => onOptionsChange(switchAuth(options, v))}
          />
        </Field>
        {authType === 'basic' && (
          <>
            <Field label="User" invalid={Boolean(errors.basicAuthUser)} error={errors.basicAuthUser} required>
              <Input
                id="hifreq-user"
                data-testid={configTestIds.user}
                width={40}
                value={options.basicAuthUser ?? ''}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, basicAuthUser: e.currentTarget.value.trim() })}
              />
            </Field>
            <Field label="Password" invalid={Boolean(errors.basicAuthPassword)} error={errors.basicAuthPassword} required>
              <SecretInput
                id="hifreq-password"
                data-testid={configTestIds.password}
                width={40}
                isConfigured={Boolean(secure.basicAuthPassword)}
                value={secureData.basicAuthPassword ?? ''}
                onChange={(e: ChangeEvent<HTMLInputElement>) => setSecret('basicAuthPassword', e.currentTarget.value)}
                onReset={() => resetSecret('basicAuthPassword')}
              />
            </Field>
          </>
        )}
        {authType === 'bearer' && (
          <Field label="Token" invalid={Boolean(errors.bearerToken)} error={errors.bearerToken} required>
            <SecretInput
              id="hifreq-token"
              data-testid={configTestIds.token}
              width={60}
              isConfigured={Boolean(secure.bearerToken)}
              value={secureData.bearerToken ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) => setSecret('bearerToken', e.currentTarget.value)}
              onReset={() => resetSecret('bearerToken')}
            />
          </Field>
        )}
        <Field label="Skip TLS certificate verification" description="Only for test setups with self-signed certificates">
          <Switch
            id="hifreq-tls-skip-verify"
            data-testid={configTestIds.tlsSkipVerify}
            value={Boolean(jsonData.tlsSkipVerify)}
            onChange={(e) => setJson({ tlsSkipVerify: e.currentTarget.checked })}
          />
        </Field>
      </FieldSet>
    </>
  );
}

/**
 * Changes the auth method: sets Grafana's `basicAuth` flag, and drops the secret of the other
 * method, because the backend refuses basic auth together with a bearer token.
 */
export function switchAuth(options: ConfigEditorProps['options'], authType: AuthType): ConfigEditorProps['options'] {
  const secureJsonFields = { ...(options.secureJsonFields ?? {}) };
  const secureJsonData = { ...(options.secureJsonData ?? {}) };
  if (authType !== 'basic') {
    secureJsonFields.basicAuthPassword = false;
    secureJsonData.basicAuthPassword = '';
  }
  if (authType !== 'bearer') {
    secureJsonFields.bearerToken = false;
    secureJsonData.bearerToken = '';
  }
  return {
    ...options,
    basicAuth: authType === 'basic',
    basicAuthUser: authType === 'basic' ? options.basicAuthUser : '',
    jsonData: { ...options.jsonData, authType },
    secureJsonFields,
    secureJsonData,
  };
}
