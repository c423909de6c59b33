// The HttpFn of a running Grafana: its backendSrv (session cookie, CSRF, org), without Grafana's
// own error pop-ups: the Alerts page shows the errors itself. Kept apart from api.ts so the API
// logic loads without @grafana/runtime.
import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import type { HttpFn } from './api';

export function grafanaHttp(): HttpFn {
  return async (req) => {
    const res = await lastValueFrom(getBackendSrv().fetch({ ...req, showErrorAlert: false, showSuccessAlert: false }));
    return res.data;
  };
}
