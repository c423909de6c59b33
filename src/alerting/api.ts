// Client for Grafana's alerting provisioning HTTP API, used by the Alerts page to instantiate
// templates, list what exists and remove it. Every write sends `X-Disable-Provenance: true` so
// the rules stay editable in Grafana's alerting UI.
import {
  ANN_PARAMS,
  ANN_SCOPE,
  ANN_TEMPLATE,
  GROUP_INTERVAL_SECONDS,
  INSTANCE_FOLDER_TITLE,
  INSTANCE_FOLDER_UID,
  INSTANCE_GROUP,
  renderApiRule,
  type RenderInput,
} from './render';
import type { ApiRule, ParamValues, Scope } from './types';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  data?: unknown;
  headers?: Record<string, string>;
}

/** Sends a request to Grafana and resolves with the JSON body; rejects with `{status, data}` on HTTP errors. */
export type HttpFn = (req: HttpRequest) => Promise<unknown>;

export const PROVENANCE_HEADERS = { 'X-Disable-Provenance': 'true' };

/** An API failure turned into a sentence for people. */
export class AlertingApiError extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message);
    this.name = 'AlertingApiError';
  }
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'status' in e ? Number((e as { status: unknown }).status) : undefined;
}

function detailOf(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const data = (e as { data?: { message?: string; error?: string } }).data;
    if (data?.message || data?.error) {
      return String(data.message ?? data.error);
    }
    if ('message' in e) {
      return String((e as { message: unknown }).message);
    }
  }
  return String(e);
}

export function explain(action: string, e: unknown): AlertingApiError {
  const status = statusOf(e);
  const detail = detailOf(e);
  let hint = 'Check that Grafana is reachable and try again.';
  if (status === 401 || status === 403) {
    hint = 'Your Grafana role may not edit alert rules: ask an admin for Editor rights on alerting (or on the folder).';
  } else if (status === 400) {
    hint = 'Grafana rejected the rule: check the parameters; the message above names the field.';
  } else if (status === 404) {
    hint = 'It no longer exists: reload the list.';
  } else if (status === 409) {
    hint = 'A rule with the same uid or title exists: reload the list and update it instead.';
  }
  return new AlertingApiError(`Could not ${action}${status ? ` (HTTP ${status})` : ''}: ${detail}. ${hint}`, status);
}

/** What the Alerts page lists: a HiFreq rule with the template, scope and parameters it was made from. */
export interface HiFreqRule {
  uid: string;
  title: string;
  templateId: string;
  scope: Scope;
  params: ParamValues;
  severity: string;
  folderUID: string;
  ruleGroup: string;
  provenance: string;
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function toHiFreqRule(r: ApiRule): HiFreqRule | undefined {
  const templateId = r.annotations?.[ANN_TEMPLATE];
  if (!templateId) {
    return undefined;
  }
  return {
    uid: r.uid,
    title: r.title,
    templateId,
    scope: parseJson<Scope>(r.annotations[ANN_SCOPE], { cluster: '?', job: '?' }),
    params: parseJson<ParamValues>(r.annotations[ANN_PARAMS], {}),
    severity: r.labels?.severity ?? '',
    folderUID: r.folderUID,
    ruleGroup: r.ruleGroup,
    provenance: r.provenance ?? '',
  };
}

export class AlertingApi {
  constructor(private readonly http: HttpFn) {}

  /** Every HiFreq rule (provisioned from file and made on the Alerts page), by title. */
  async list(): Promise<HiFreqRule[]> {
    let rules: ApiRule[];
    try {
      rules = (await this.http({ method: 'GET', url: '/api/v1/provisioning/alert-rules' })) as ApiRule[];
    } catch (e) {
      throw explain('list alert rules', e);
    }
    return (rules ?? [])
      .map(toHiFreqRule)
      .filter((r): r is HiFreqRule => r !== undefined)
      .sort((a, b) => a.title.localeCompare(b.title));
  }

  /** The folder of rules made on the Alerts page; created when missing. */
  async ensureFolder(): Promise<string> {
    try {
      await this.http({ method: 'GET', url: `/api/folders/${INSTANCE_FOLDER_UID}` });
      return INSTANCE_FOLDER_UID;
    } catch (e) {
      if (statusOf(e) !== 404) {
        throw explain(`read the folder "${INSTANCE_FOLDER_TITLE}"`, e);
      }
    }
    try {
      await this.http({
        method: 'POST',
        url: '/api/folders',
        data: { uid: INSTANCE_FOLDER_UID, title: INSTANCE_FOLDER_TITLE },
      });
    } catch (e) {
      throw explain(`create the folder "${INSTANCE_FOLDER_TITLE}"`, e);
    }
    return INSTANCE_FOLDER_UID;
  }

  /**
   * Creates the rule of a template for a scope, or updates it when a rule of the same template
   * and scope exists (its uid is derived from both). Validation errors are thrown before any request.
   */
  async instantiate(input: RenderInput): Promise<ApiRule> {
    const rule = renderApiRule(input, INSTANCE_FOLDER_UID, INSTANCE_GROUP);
    const folderUID = await this.ensureFolder();
    let exists = false;
    try {
      await this.http({ method: 'GET', url: `/api/v1/provisioning/alert-rules/${rule.uid}` });
      exists = true;
    } catch (e) {
      if (statusOf(e) !== 404) {
        throw explain(`read the rule ${rule.uid}`, e);
      }
    }
    let saved: ApiRule;
    try {
      saved = (await this.http({
        method: exists ? 'PUT' : 'POST',
        url: exists ? `/api/v1/provisioning/alert-rules/${rule.uid}` : '/api/v1/provisioning/alert-rules',
        data: rule,
        headers: PROVENANCE_HEADERS,
      })) as ApiRule;
    } catch (e) {
      throw explain(`${exists ? 'update' : 'create'} the rule "${rule.title}"`, e);
    }
    await this.ensureGroupInterval(folderUID);
    return saved;
  }

  /**
   * A group created by adding a rule gets Grafana's default interval; HiFreq rules look back 90 s
   * and need a 60 s interval to see every second.
   */
  async ensureGroupInterval(folderUID: string): Promise<void> {
    const url = `/api/v1/provisioning/folder/${folderUID}/rule-groups/${INSTANCE_GROUP}`;
    try {
      const group = (await this.http({ method: 'GET', url })) as { interval?: number };
      if (group.interval !== GROUP_INTERVAL_SECONDS) {
        await this.http({
          method: 'PUT',
          url,
          data: { ...group, interval: GROUP_INTERVAL_SECONDS },
          headers: PROVENANCE_HEADERS,
        });
      }
    } catch (e) {
      throw explain(`set the evaluation interval of group "${INSTANCE_GROUP}" to ${GROUP_INTERVAL_SECONDS}s`, e);
    }
  }

  async remove(uid: string): Promise<void> {
    try {
      await this.http({
        method: 'DELETE',
        url: `/api/v1/provisioning/alert-rules/${uid}`,
        headers: PROVENANCE_HEADERS,
      });
    } catch (e) {
      throw explain(`delete the rule ${uid}`, e);
    }
  }
}
