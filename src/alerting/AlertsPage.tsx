// The app's "Alerts" page: turn a template into a rule for a cluster and a job through Grafana's
// alerting provisioning API, list the HiFreq rules that exist, and remove them. Rules made here
// live in the folder "HiFreq alerts" and stay editable in Grafana's alerting UI.
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Button,
  ConfirmButton,
  Field,
  Input,
  LinkButton,
  RadioButtonGroup,
  Stack,
  Text,
  getInputStyles,
  useTheme2,
} from '@grafana/ui';
import { TEMPLATES, getTemplate } from './catalog';
import { renderRule } from './render';
import { AlertingApi, type HiFreqRule } from './api';
import { grafanaHttp } from './grafanaHttp';
import { SEVERITIES, type ParamValues, type RuleCore } from './types';

export interface AlertsPageProps {
  /** Injected in tests; defaults to the running Grafana's backendSrv. */
  api?: AlertingApi;
}

type Message = { kind: 'success' | 'error'; text: string; uid?: string };

function defaultsText(templateId: string): Record<string, string> {
  return Object.fromEntries(getTemplate(templateId).params.map((p) => [p.name, String(p.default)]));
}

function parseParams(text: Record<string, string>): ParamValues {
  return Object.fromEntries(Object.entries(text).map(([k, v]) => [k, v.trim() === '' ? NaN : Number(v)]));
}

export function ruleViewUrl(uid: string): string {
  return `/alerting/grafana/${encodeURIComponent(uid)}/view`;
}

export function AlertsPage({ api: given }: AlertsPageProps) {
  const api = useMemo(() => given ?? new AlertingApi(grafanaHttp()), [given]);
  const [templateId, setTemplateId] = useState(TEMPLATES[0].id);
  const [cluster, setCluster] = useState('');
  const [job, setJob] = useState('');
  const [paramText, setParamText] = useState<Record<string, string>>(() => defaultsText(TEMPLATES[0].id));
  const [severity, setSeverity] = useState<string>(TEMPLATES[0].severity);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | undefined>();
  const [rules, setRules] = useState<HiFreqRule[] | undefined>();
  const [listError, setListError] = useState<string | undefined>();
  const template = getTemplate(templateId);
  const inputStyles = getInputStyles({ theme: useTheme2() });

  const reload = useCallback(async () => {
    try {
      setRules(await api.list());
      setListError(undefined);
    } catch (e) {
      setListError((e as Error).message);
    }
  }, [api]);

  useEffect(() => {
    let cancelled = false;
    api.list().then(
      (list) => {
        if (!cancelled) {
          setRules(list);
          setListError(undefined);
        }
      },
      (e) => {
        if (!cancelled) {
          setListError((e as Error).message);
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  const input = {
    templateId,
    scope: { cluster, job: template.scope === 'job' ? job : '*' },
    params: parseParams(paramText),
    severity,
  };
  let preview: RuleCore | undefined;
  let problems: string[] = [];
  try {
    preview = renderRule(input);
  } catch (e) {
    problems = (e as Error).message.split('\n');
  }

  const chooseTemplate = (id: string) => {
    setTemplateId(id);
    setParamText(defaultsText(id));
    setSeverity(getTemplate(id).severity);
    setMessage(undefined);
  };

  const create = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const saved = await api.instantiate(input);
      setMessage({
        kind: 'success',
        text: `Saved "${saved.title ?? preview?.title}".`,
        uid: saved.uid ?? preview?.uid,
      });
      await reload();
    } catch (e) {
      setMessage({ kind: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (r: HiFreqRule) => {
    setMessage(undefined);
    try {
      await api.remove(r.uid);
      setMessage({ kind: 'success', text: `Deleted "${r.title}".` });
      await reload();
    } catch (e) {
      setMessage({ kind: 'error', text: (e as Error).message });
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <Text element="h2">Create an alert rule from a template</Text>
      <Field label="Template" description={template.help}>
        <select
          aria-label="Template"
          className={inputStyles.input}
          value={templateId}
          onChange={(e) => chooseTemplate(e.currentTarget.value)}
        >
          {TEMPLATES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </select>
      </Field>
      <Stack direction="row" gap={2}>
        <Field label="Cluster" description="Exact name, several as a|b, /regex/, or * for all clusters">
          <Input
            aria-label="Cluster"
            value={cluster}
            placeholder="gpu-east"
            onChange={(e) => setCluster(e.currentTarget.value)}
          />
        </Field>
        {template.scope === 'job' && (
          <Field label="Job" description="Exact job_name, several as a|b, /regex/, or * for all jobs">
            <Input
              aria-label="Job"
              value={job}
              placeholder="llama-pretrain"
              onChange={(e) => setJob(e.currentTarget.value)}
            />
          </Field>
        )}
        <Field label="Severity">
          <RadioButtonGroup
            options={SEVERITIES.map((s) => ({ label: s, value: s }))}
            value={severity}
            onChange={(v) => setSeverity(v)}
          />
        </Field>
      </Stack>
      <Stack direction="row" gap={2} wrap="wrap">
        {template.params.map((p) => (
          <Field key={p.name} label={`${p.label} (${p.unit})`} description={p.description}>
            <Input
              aria-label={p.label}
              value={paramText[p.name] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setParamText((cur) => ({ ...cur, [p.name]: value }));
              }}
            />
          </Field>
        ))}
      </Stack>
      {problems.length > 0 && (
        <Alert severity="warning" title="Fix these before saving">
          <ul data-testid="hifreq-alert-problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Alert>
      )}
      {preview && (
        <Field label="Query the rule runs (MetricsQL, evaluated every minute over the last 90 s at 1 s steps)">
          <pre data-testid="hifreq-alert-preview" style={{ whiteSpace: 'pre-wrap' }}>
            {String((preview.data[0].model as { expr: string }).expr)}
          </pre>
        </Field>
      )}
      <div>
        <Button onClick={create} disabled={busy || problems.length > 0} icon={busy ? 'spinner' : 'plus'}>
          Save rule
        </Button>
      </div>
      {message && (
        <Alert severity={message.kind} title={message.kind === 'success' ? 'Done' : 'Failed'}>
          <span data-testid="hifreq-alert-message">{message.text}</span>{' '}
          {message.uid && (
            <LinkButton variant="secondary" size="sm" href={ruleViewUrl(message.uid)}>
              Open in Grafana alerting
            </LinkButton>
          )}
        </Alert>
      )}

      <Text element="h2">HiFreq alert rules</Text>
      {listError && (
        <Alert severity="error" title="Could not list the rules">
          {listError}
        </Alert>
      )}
      {rules === undefined && !listError && <Text>Loading…</Text>}
      {rules !== undefined && rules.length === 0 && <Text>No HiFreq alert rules yet.</Text>}
      {rules !== undefined && rules.length > 0 && (
        <table data-testid="hifreq-alert-rules" style={{ width: '100%' }}>
          <thead>
            <tr>
              <th>Rule</th>
              <th>Template</th>
              <th>Cluster</th>
              <th>Job</th>
              <th>Parameters</th>
              <th>Severity</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.uid}>
                <td>
                  <a href={ruleViewUrl(r.uid)}>{r.title}</a>
                </td>
                <td>{r.templateId}</td>
                <td>{r.scope.cluster}</td>
                <td>{r.scope.job}</td>
                <td>
                  {Object.entries(r.params)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                </td>
                <td>{r.severity}</td>
                <td>
                  {r.provenance === 'file' ? (
                    <Text color="secondary">provisioned from file</Text>
                  ) : (
                    <ConfirmButton confirmText="Delete" confirmVariant="destructive" onConfirm={() => remove(r)}>
                      Delete
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Stack>
  );
}

export default AlertsPage;
