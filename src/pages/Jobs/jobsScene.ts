import {
  EmbeddedScene,
  SceneControlsSpacer,
  SceneFlexItem,
  SceneFlexLayout,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  SceneVariableSet,
  VariableValueSelectors,
} from '@grafana/scenes';

import type { ResolvedSettings } from '../../settings';
import { clusterVariable } from '../variables';
import { JobsTable } from './JobsTable';

/** Jobs page: a cluster picker and the table of jobs with per-second data. */
export function jobsScene(settings: ResolvedSettings): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-6h', to: 'now' }),
    $variables: new SceneVariableSet({ variables: [clusterVariable(settings.datasourceUid)] }),
    controls: [new VariableValueSelectors({}), new SceneControlsSpacer(), new SceneTimePicker({}), new SceneRefreshPicker({})],
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({
          body: new JobsTable({ datasourceUid: settings.datasourceUid, podSelector: settings.podSelector }),
        }),
      ],
    }),
  });
}
