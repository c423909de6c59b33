import React, { type ChangeEvent, type SyntheticEvent, useState } from 'react';
import type { AppPluginMeta, DataSourceInstanceSettings, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, getDataSourceSrv, locationService } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, Stack } from '@grafana/ui';
import { lastValueFrom } from 'rxjs';

import { DATASOURCE_TYPE } from '../../constants';
import { errorMessage } from '../../datasource/components/useResource';
import { type AppSettings, DEFAULT_SETTINGS, validateAppSettings } from '../../settings';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

export const appConfigTestIds = {
  container: 'data-testid hifreq-app-config',
  datasource: 'data-testid hifreq-app-config-datasource',
  clusterLabel: 'data-testid hifreq-app-config-cluster-label',
  jobLabel: 'data-testid hifreq-app-config-job-label',
  podSelector: 'data-testid hifreq-app-config-selector',
  submit: 'data-testid hifreq-app-config-submit',
};

/** uids of the HiFreq datasources Grafana knows. */
export function hifreqDatasourceUids(): string[] {
  return getDataSourceSrv()
    .getList({ pluginId: DATASOURCE_TYPE })
    .map((ds: DataSourceInstanceSettings) => ds.uid);
}

/** The app's Configuration page: which datasource the pages query, and the label names. */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const { enabled, pinned, jsonData } = plugin.meta;
  const [settings, setSettings] = useState<AppSettings>({
    datasourceUid: jsonData?.datasourceUid ?? DEFAULT_SETTINGS.datasourceUid,
    clusterLabel: jsonData?.clusterLabel ?? DEFAULT_SETTINGS.clusterLabel,
    jobLabel: jsonData?.jobLabel ?? DEFAULT_SETTINGS.jobLabel,
    podSelector: jsonData?.podSelector ?? DEFAULT_SETTINGS.podSelector,
  });
  // uids of existing HiFreq datasources; undefined when Grafana could not list them
  const [known] = useState<string[] | undefined>(() => {
    try {
      return hifreqDatasourceUids();
    } catch {
      return undefined;
    }
  });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | undefined>();

  const errors = validateAppSettings(settings, known);
  const invalid = Object.keys(errors).length > 0;
  const set = (patch: Partial<AppSettings>) => setSettings((s) => ({ ...s, ...patch }));

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    if (invalid) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await updatePlugin(plugin.meta.id, { enabled, pinned, jsonData: settings });
      locationService.reload();
    } catch (err) {
      setSaveError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={appConfigTestIds.container}>
      <FieldSet label="HiFreq settings">
        <Field
          label="Datasource"
          description="The HiFreq VictoriaMetrics datasource the Jobs and Job network pages query"
          invalid={Boolean(errors.datasourceUid)}
          error={errors.datasourceUid}
          required
        >
          <div data-testid={appConfigTestIds.datasource}>
            <DataSourcePicker
              pluginId={DATASOURCE_TYPE}
              current={settings.datasourceUid}
              noDefault
              width={40}
              onChange={(ds) => set({ datasourceUid: ds.uid })}
            />
          </div>
        </Field>
        <Field label="Cluster label" description="Label carrying the cluster on every series" invalid={Boolean(errors.clusterLabel)} error={errors.clusterLabel}>
          <Input
            data-testid={appConfigTestIds.clusterLabel}
            width={30}
            value={settings.clusterLabel ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ clusterLabel: e.currentTarget.value.trim() })}
          />
        </Field>
        <Field label="Job label" description="Label carrying the job name on bound series" invalid={Boolean(errors.jobLabel)} error={errors.jobLabel}>
          <Input
            data-testid={appConfigTestIds.jobLabel}
            width={30}
            value={settings.jobLabel ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ jobLabel: e.currentTarget.value.trim() })}
          />
        </Field>
        <Field
          label="Pod selector"
          description="The selector the agents use (--pods.selector); shown in the help for labelling pods"
          invalid={Boolean(errors.podSelector)}
          error={errors.podSelector}
        >
          <Input
            data-testid={appConfigTestIds.podSelector}
            width={40}
            value={settings.podSelector ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ podSelector: e.currentTarget.value.trim() })}
          />
        </Field>
        {saveError && (
          <Alert severity="error" title="Could not save the settings">
            {saveError}
          </Alert>
        )}
        <Stack>
          <Button type="submit" data-testid={appConfigTestIds.submit} disabled={invalid || saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </Button>
        </Stack>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

async function updatePlugin(pluginId: string, data: Partial<PluginMeta<AppSettings>>) {
  const response = getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data });
  return (await lastValueFrom(response)).data;
}
