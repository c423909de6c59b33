// Types of the alert template catalog and of the Grafana alert rules it renders to.

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** Grafana's allowed states when a rule's query returns nothing / fails. */
export type NoDataState = 'Alerting' | 'NoData' | 'OK' | 'KeepLast';
export type ExecErrState = 'Alerting' | 'Error' | 'OK' | 'KeepLast';
export const NO_DATA_STATES: readonly NoDataState[] = ['Alerting', 'NoData', 'OK', 'KeepLast'];
export const EXEC_ERR_STATES: readonly ExecErrState[] = ['Alerting', 'Error', 'OK', 'KeepLast'];

/** One numeric parameter of a template (thresholds, durations, fractions). */
export interface TemplateParam {
  name: string;
  label: string;
  description: string;
  unit: string;
  default: number;
  min: number;
  max: number;
  /** Whole numbers only (durations in seconds, counts). */
  integer: boolean;
}

export type ParamValues = Record<string, number>;

/** Which labels scope a template: a job-scoped template takes a cluster and a job, a cluster-scoped one a cluster. */
export type ScopeKind = 'job' | 'cluster';

/** What a rule is instantiated for. `*` means all; other values are exact names or anchored regexes. */
export interface Scope {
  cluster: string;
  /** Ignored (and rendered as `*`) for cluster-scoped templates. */
  job: string;
}

/** The condition of a template: the MetricsQL the backend runs and how Grafana reduces and compares it. */
export interface TemplateCondition {
  expr: string;
  /** The value of the backend query model's `job` field (`*` when the job scope is inside `expr`, e.g. node-level joins). */
  modelJob: string;
}

export interface AlertTemplate {
  /** Stable id; part of rule uids. Lowercase letters, digits and dashes. */
  id: string;
  title: string;
  /** One paragraph for people choosing a template. */
  help: string;
  scope: ScopeKind;
  severity: Severity;
  /** Labels each alert instance carries (from the series). */
  dimensions: string[];
  params: TemplateParam[];
  condition: (p: ParamValues, s: Scope) => TemplateCondition;
  /** How the per-step values of the query window are reduced to one value per series. */
  reducer: 'max' | 'min';
  /** The reduced value fires when it is greater (`gt`) or lower (`lt`) than this. */
  threshold: (p: ParamValues) => { type: 'gt' | 'lt'; value: number };
  noDataState: NoDataState;
  execErrState: ExecErrState;
  /** Annotation templates (Go templates over `$labels` and `$values`). */
  summary: string;
  description: (p: ParamValues) => string;
  runbook: string;
}

// ---- Grafana shapes ----

export interface RelativeTimeRange {
  from: number;
  to: number;
}

export interface RuleQuery {
  refId: string;
  queryType?: string;
  relativeTimeRange: RelativeTimeRange;
  datasourceUid: string;
  model: Record<string, unknown>;
}

/** The parts of a rule common to file provisioning and the provisioning HTTP API. */
export interface RuleCore {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  noDataState: NoDataState;
  execErrState: ExecErrState;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  isPaused: boolean;
}

/** A rule group of a Grafana alerting provisioning file. */
export interface FileRuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: RuleCore[];
}

export interface ProvisioningFile {
  apiVersion: 1;
  groups: FileRuleGroup[];
}

/** A rule as `/api/v1/provisioning/alert-rules` takes and returns it. */
export interface ApiRule extends RuleCore {
  id?: number;
  orgID: number;
  folderUID: string;
  ruleGroup: string;
  updated?: string;
  provenance?: string;
}
