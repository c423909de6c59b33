import { EmbeddedScene, SceneFlexItem, SceneFlexLayout } from '@grafana/scenes';
import type { ResolvedSettings } from '../../settings';
import { AlertsList } from './AlertsList';

export function alertsScene(settings: ResolvedSettings): EmbeddedScene {
  return new EmbeddedScene({
    body: new SceneFlexLayout({
      direction: 'column',
      children: [new SceneFlexItem({ body: new AlertsList({ datasourceUid: settings.datasourceUid }) })],
    }),
  });
}
