import { SceneApp, SceneAppPage } from '@grafana/scenes';

import { ROUTES, prefixRoute } from '../constants';
import type { ResolvedSettings } from '../settings';
import { alertsScene } from './Alerts/alertsScene';
import { jobNetworkScene } from './JobNetwork/jobNetworkScene';
import { jobsScene } from './Jobs/jobsScene';

/** The app's pages; scene variables sync with the URL (`var-cluster`, `var-job`, ...). */
export function buildSceneApp(settings: ResolvedSettings): SceneApp {
  return new SceneApp({
    urlSyncOptions: { updateUrlOnInit: true, createBrowserHistorySteps: true },
    pages: [
      new SceneAppPage({
        title: 'Jobs',
        subTitle: 'Jobs with per-second network monitoring',
        url: prefixRoute(ROUTES.Jobs),
        routePath: `${ROUTES.Jobs}/*`,
        getScene: () => jobsScene(settings),
      }),
      new SceneAppPage({
        title: 'Job network',
        subTitle: 'Second-level network view of one job',
        url: prefixRoute(ROUTES.Job),
        routePath: `${ROUTES.Job}/*`,
        preserveUrlKeys: ['var-cluster', 'var-job', 'from', 'to'],
        getScene: () => jobNetworkScene(settings),
      }),
      new SceneAppPage({
        title: 'Alerts',
        subTitle: 'HiFreq alert rules and their current instances',
        url: prefixRoute(ROUTES.Alerts),
        routePath: `${ROUTES.Alerts}/*`,
        getScene: () => alertsScene(settings),
      }),
    ],
  });
}
