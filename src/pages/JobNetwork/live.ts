import { SceneQueryRunner, SwitchVariable, sceneGraph, type SceneObject } from '@grafana/scenes';
import type { HiFreqQuery } from '../../datasource/types';

/** `live` switch, URL-synced as `var-live`: stream new seconds through Grafana Live instead of refreshing. */
export function liveVariable(): SwitchVariable {
  return new SwitchVariable({ name: 'live', label: 'Live', value: 'false', enabledValue: 'true', disabledValue: 'false' });
}

/** Sets `live` on every query of every query runner under `root` and reruns the ones that changed. */
export function setLive(root: SceneObject, live: boolean): number {
  const runners = sceneGraph.findAllObjects(root, (o) => o instanceof SceneQueryRunner) as SceneQueryRunner[];
  let changed = 0;
  for (const runner of runners) {
    const queries = runner.state.queries as HiFreqQuery[];
    if (queries.every((q) => Boolean(q.live) === live)) {
      continue;
    }
    runner.setState({ queries: queries.map((q) => ({ ...q, live })), liveStreaming: live });
    runner.runQueries();
    changed++;
  }
  return changed;
}

/** Scene behavior: keeps the queries' `live` flag in step with the `live` variable. */
export function liveBehavior(scene: SceneObject) {
  const variable = sceneGraph.lookupVariable('live', scene);
  if (!(variable instanceof SwitchVariable)) {
    return;
  }
  setLive(scene, variable.isEnabled());
  const sub = variable.subscribeToState((s, prev) => {
    if (s.value !== prev.value) {
      setLive(scene, variable.isEnabled());
    }
  });
  return () => sub.unsubscribe();
}
