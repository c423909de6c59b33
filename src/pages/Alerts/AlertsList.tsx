import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { SceneObjectBase, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert, Badge, EmptyState, LoadingPlaceholder, TextLink, useStyles2 } from '@grafana/ui';

import { errorMessage } from '../../datasource/components/useResource';

/** The parts of Grafana's Prometheus-compatible rules API (`/api/prometheus/grafana/api/v1/rules`) this page reads. */
export interface RuleInstance {
  labels: Record<string, string>;
  state: string;
  activeAt?: string;
  value?: string;
}
export interface AlertRule {
  name: string;
  uid?: string;
  state: string;
  health?: string;
  lastError?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  queriedDatasourceUIDs?: string[];
  alerts?: RuleInstance[];
}
export interface RuleGroup {
  name: string;
  file: string;
  rules: AlertRule[];
}
export interface RulesResponse {
  status: string;
  data: { groups: RuleGroup[] };
}

/** Rules that query the HiFreq datasource, with their group and folder. */
export function hifreqRules(rsp: RulesResponse, datasourceUid: string): Array<AlertRule & { group: string; folder: string }> {
  const out: Array<AlertRule & { group: string; folder: string }> = [];
  for (const g of rsp.data?.groups ?? []) {
    for (const r of g.rules ?? []) {
      if ((r.queriedDatasourceUIDs ?? []).includes(datasourceUid)) {
        out.push({ ...r, group: g.name, folder: g.file });
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface AlertsListState extends SceneObjectState {
  datasourceUid: string;
  loading?: boolean;
  rules?: Array<AlertRule & { group: string; folder: string }>;
  error?: string;
}

/** Alert templates of HiFreq and their current instances (one per cluster/job). */
export class AlertsList extends SceneObjectBase<AlertsListState> {
  static Component = AlertsListRenderer;

  constructor(state: AlertsListState) {
    super(state);
    this.addActivationHandler(() => {
      this.load();
    });
  }

  async load() {
    this.setState({ loading: true, error: undefined });
    try {
      const rsp = await getBackendSrv().get<RulesResponse>('/api/prometheus/grafana/api/v1/rules');
      this.setState({ loading: false, rules: hifreqRules(rsp, this.state.datasourceUid) });
    } catch (err) {
      this.setState({ loading: false, error: errorMessage(err) });
    }
  }
}

const STATE_COLOR: Record<string, 'red' | 'orange' | 'green' | 'blue'> = {
  firing: 'red',
  alerting: 'red',
  pending: 'orange',
  inactive: 'green',
  normal: 'green',
};

function AlertsListRenderer({ model }: SceneComponentProps<AlertsList>) {
  const { loading, rules, error } = model.useState();
  const styles = useStyles2(getStyles);
  if (error) {
    return (
      <Alert severity="error" title="Could not read the alert rules">
        {error}. Viewing alert rules needs the alerting read permission.
      </Alert>
    );
  }
  if (loading && !rules) {
    return <LoadingPlaceholder text="Loading alert rules…" />;
  }
  if (!rules || rules.length === 0) {
    return (
      <EmptyState variant="call-to-action" message="No alert rule queries the HiFreq datasource yet">
        The HiFreq alert templates (congestion, link flaps, errors, drops, agent queue) are provisioned with the app; in
        Alerting → Alert rules, create rules from them for your clusters and jobs.
      </EmptyState>
    );
  }
  return (
    <div className={styles.list}>
      {rules.map((r) => (
        <section key={`${r.folder}/${r.group}/${r.name}`} className={styles.rule} aria-label={r.name}>
          <h3 className={styles.title}>
            <Badge text={r.state} color={STATE_COLOR[r.state] ?? 'blue'} /> {r.name}
            {r.uid && (
              <TextLink href={`/alerting/grafana/${r.uid}/view`} inline>
                open
              </TextLink>
            )}
          </h3>
          {r.annotations?.summary && <p>{r.annotations.summary}</p>}
          {r.lastError && <Alert severity="warning" title="Evaluation error">{r.lastError}</Alert>}
          {(r.alerts ?? []).length > 0 ? (
            <ul>
              {(r.alerts ?? []).map((a, i) => (
                <li key={i}>
                  <Badge text={a.state} color={STATE_COLOR[a.state.toLowerCase()] ?? 'blue'} />{' '}
                  {Object.entries(a.labels)
                    .filter(([k]) => ['cluster', 'job_name', 'job', 'node', 'device'].includes(k))
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                  {a.value ? ` (value ${a.value})` : ''}
                </li>
              ))}
            </ul>
          ) : (
            <p className={styles.weak}>No instance is pending or firing.</p>
          )}
        </section>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  rule: css({ border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default, padding: theme.spacing(2) }),
  title: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', fontSize: theme.typography.h5.fontSize }),
  weak: css({ color: theme.colors.text.secondary }),
});
