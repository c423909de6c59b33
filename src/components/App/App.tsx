import React, { useMemo } from 'react';
import type { AppRootProps } from '@grafana/data';

import { buildSceneApp } from '../../pages/app';
import { type AppSettings, resolveSettings } from '../../settings';

function App({ meta }: AppRootProps<AppSettings>) {
  const { datasourceUid, clusterLabel, jobLabel, podSelector } = resolveSettings(meta.jsonData);
  const scene = useMemo(
    () => buildSceneApp({ datasourceUid, clusterLabel, jobLabel, podSelector }),
    [datasourceUid, clusterLabel, jobLabel, podSelector]
  );
  return <scene.Component model={scene} />;
}

export default App;
