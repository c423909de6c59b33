// Renders a template, its parameters and a scope into a Grafana alert rule: the shape shared by
// file provisioning and the provisioning HTTP API, plus the wrappers of each.

import { defaultParams, getTemplate, TEMPLATES } from './catalog';
import { resolveParams, resolveScope, resolveSeverity, TemplateInputError } from './validate';
import type { AlertTemplate, ApiRule, ParamValues, ProvisioningFile, RuleCore, Scope } from './types';

export const DATASOURCE = { type: 'hifreq-netmon-datasource', uid: 'hifreq-vm' } as const;
export const EXPR_DATASOURCE = { type: '__expr__', uid: '__expr__' } as const;

/** Seconds of data each evaluation looks at; with a 60 s group interval every second is seen at least once, with 30 s to spare for ingestion. */
export const LOOKBACK_SECONDS = 90;
export const GROUP_INTERVAL = '1m';
export const GROUP_INTERVAL_SECONDS = 60;
/** 1 s steps over the lookback: the backend derives its step from these. */
export const INTERVAL_MS = 1000;
export const MAX_DATA_POINTS = 43200;

export const DEFAULT_GROUP = 'hifreq-default';
export const DEFAULT_FOLDER = 'HiFreq';
/** Folder and group of rules made on the Alerts page. */
export const INSTANCE_FOLDER_UID = 'hifreq-alerts';
export const INSTANCE_FOLDER_TITLE = 'HiFreq alerts';
export const INSTANCE_GROUP = 'hifreq-instances';

/** Annotation keys through which the Alerts page recognises and describes its rules. */
export const ANN_TEMPLATE = 'hifreq_template';
export const ANN_SCOPE = 'hifreq_scope';
export const ANN_PARAMS = 'hifreq_params';

export interface RenderInput {
  templateId: string;
  scope: Partial<Scope>;
  params?: Partial<ParamValues>;
  severity?: string;
  /** Rule uid; defaults to `instanceUid(templateId, scope)`. */
  uid?: string;
  title?: string;
}

/** 32-bit FNV-1a as 8 hex digits: a stable, short fingerprint for uids. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Uid of a rule made for a template and scope: the same inputs always give the same uid (≤ 40 chars). */
export function instanceUid(templateId: string, scope: Scope): string {
  return `hf-${templateId}-${fnv1a(`${templateId}\n${scope.cluster}\n${scope.job}`)}`;
}

export function defaultUid(templateId: string): string {
  return `hifreq-${templateId}`;
}

function scopeText(t: AlertTemplate, s: Scope): string {
  const cluster = s.cluster === '*' ? 'all clusters' : `cluster ${s.cluster}`;
  if (t.scope === 'cluster') {
    return cluster;
  }
  return `${cluster}, ${s.job === '*' ? 'all jobs' : `job ${s.job}`}`;
}

/** Renders one rule; throws TemplateInputError with every problem of the input. */
export function renderRule(input: RenderInput): RuleCore {
  const t = getTemplate(input.templateId);
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof TemplateInputError) {
        problems.push(...e.problems);
        return undefined;
      }
      throw e;
    }
  };
  const scope = attempt(() => resolveScope(t, input.scope));
  const params = attempt(() => resolveParams(t, input.params));
  const severity = attempt(() => resolveSeverity(t, input.severity));
  if (!scope || !params || !severity) {
    throw new TemplateInputError(problems);
  }
  const cond = t.condition(params, scope);
  const threshold = t.threshold(params);
  return {
    uid: input.uid ?? instanceUid(t.id, scope),
    title: input.title ?? `${t.title} (${scopeText(t, scope)})`,
    condition: 'C',
    data: [
      {
        refId: 'A',
        queryType: 'metricsql',
        relativeTimeRange: { from: LOOKBACK_SECONDS, to: 0 },
        datasourceUid: DATASOURCE.uid,
        model: {
          refId: 'A',
          datasource: { ...DATASOURCE },
          queryType: 'metricsql',
          cluster: scope.cluster,
          job: cond.modelJob,
          expr: cond.expr,
          intervalMs: INTERVAL_MS,
          maxDataPoints: MAX_DATA_POINTS,
        },
      },
      {
        refId: 'B',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: EXPR_DATASOURCE.uid,
        model: {
          refId: 'B',
          datasource: { ...EXPR_DATASOURCE },
          type: 'reduce',
          expression: 'A',
          reducer: t.reducer,
          settings: { mode: 'dropNN' },
        },
      },
      {
        refId: 'C',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: EXPR_DATASOURCE.uid,
        model: {
          refId: 'C',
          datasource: { ...EXPR_DATASOURCE },
          type: 'threshold',
          expression: 'B',
          conditions: [{ evaluator: { type: threshold.type, params: [threshold.value] } }],
        },
      },
    ],
    noDataState: t.noDataState,
    execErrState: t.execErrState,
    for: '0s',
    labels: { severity, hifreq_template: t.id },
    annotations: {
      summary: t.summary,
      description: t.description(params),
      runbook: t.runbook,
      [ANN_TEMPLATE]: t.id,
      [ANN_SCOPE]: JSON.stringify(scope),
      [ANN_PARAMS]: JSON.stringify(params),
    },
    isPaused: false,
  };
}

/** A rule for `/api/v1/provisioning/alert-rules`, in the Alerts page's folder and group. */
export function renderApiRule(
  input: RenderInput,
  folderUID = INSTANCE_FOLDER_UID,
  ruleGroup = INSTANCE_GROUP
): ApiRule {
  return { ...renderRule(input), orgID: 1, folderUID, ruleGroup };
}

/** The default provisioning file: every template with its defaults, for all clusters and jobs (multi-dimensional). */
export function renderDefaultProvisioning(): ProvisioningFile {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: DEFAULT_GROUP,
        folder: DEFAULT_FOLDER,
        interval: GROUP_INTERVAL,
        rules: TEMPLATES.map((t) =>
          renderRule({
            templateId: t.id,
            scope: { cluster: '*', job: '*' },
            params: defaultParams(t),
            uid: defaultUid(t.id),
            title: `HiFreq: ${t.title}`,
          })
        ),
      },
    ],
  };
}

export const PROVISIONING_FILE = 'provisioning/alerting/hifreq-default-rules.yaml';
export const PROVISIONING_HEADER =
  '# Generated by scripts/gen-alert-rules.ts from src/alerting/catalog.ts: do not edit, run\n' +
  '#   npx tsx scripts/gen-alert-rules.ts\n' +
  '# Grafana alerting file provisioning (JSON is valid YAML). Rule group: every HiFreq template with\n' +
  '# its defaults, for all clusters and jobs (one alert instance per misbehaving dimension).\n';

/** The exact text of the provisioning file. */
export function provisioningFileText(): string {
  return PROVISIONING_HEADER + JSON.stringify(renderDefaultProvisioning(), null, 2) + '\n';
}
