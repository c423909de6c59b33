import { EmbeddedScene, SceneFlexItem, SceneFlexLayout, SceneReactObject } from '@grafana/scenes';

import { AlertsPage } from '../../alerting/AlertsPage';
import type { ResolvedSettings } from '../../settings';
import { AlertsList } from './AlertsList';

/** Alerts page: create rules from the HiFreq templates (src/alerting), and their current instances. */
export function alertsScene(settings: ResolvedSettings): EmbeddedScene {
  return new EmbeddedScene({
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({ body: new SceneReactObject({ component: AlertsPage, props: {} }) }),
        new SceneFlexItem({ body: new AlertsList({ datasourceUid: settings.datasourceUid }) }),
      ],
    }),
  });
}
