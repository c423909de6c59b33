import type { DataFrame, Field } from '@grafana/data';
import { map, type Observable } from 'rxjs';

/** Label the backend puts on the series of an envelope: `min`, `max` or `avg` (VictoriaMetrics' rollup label). */
export const ENVELOPE_LABELS = ['rollup', 'envelope'] as const;

type Part = 'min' | 'max' | 'avg';

function envelopePart(field: Field): { part: Part; key: string } | undefined {
  const labels = field.labels ?? {};
  const labelName = ENVELOPE_LABELS.find((l) => labels[l] === 'min' || labels[l] === 'max' || labels[l] === 'avg');
  if (!labelName) {
    return undefined;
  }
  const rest = Object.keys(labels)
    .filter((k) => k !== labelName)
    .sort()
    .map((k) => labels[k]);
  return { part: labels[labelName] as Part, key: rest.join(' ') || field.name };
}

/**
 * Styles the series of a min-max envelope as a band: the max series is filled down to the min
 * series of the same group (same labels but the envelope label), the min line is thin and kept
 * out of the legend, the avg line is drawn normally. Series without an envelope label are untouched.
 */
export function applyEnvelopeBand(frames: DataFrame[]): DataFrame[] {
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) => {
      const env = envelopePart(field);
      if (!env) {
        return field;
      }
      const custom = { ...(field.config.custom ?? {}) };
      if (env.part === 'max') {
        custom.fillBelowTo = `${env.key} min`;
        custom.fillOpacity = 25;
        custom.lineWidth = 1;
      } else if (env.part === 'min') {
        custom.fillOpacity = 0;
        custom.lineWidth = 1;
        custom.hideFrom = { legend: true, tooltip: false, viz: false };
      } else {
        custom.lineWidth = 2;
      }
      return { ...field, config: { ...field.config, displayNameFromDS: `${env.key} ${env.part}`, custom } };
    }),
  }));
}

/** The same as a scenes custom transformation. */
export const envelopeBandTransformation = () => (source: Observable<DataFrame[]>) => source.pipe(map(applyEnvelopeBand));
