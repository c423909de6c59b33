import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

export const DATASOURCE_TYPE = 'hifreq-netmon-datasource';
/** uid of the provisioned HiFreq datasource (DESIGN.md §3). */
export const DEFAULT_DATASOURCE_UID = 'hifreq-vm';
/** uid of the included dashboard (DESIGN.md §3). */
export const JOB_DASHBOARD_UID = 'hifreq-job-network';

export enum ROUTES {
  Jobs = 'jobs',
  Job = 'job',
  Alerts = 'alerts',
}

export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
