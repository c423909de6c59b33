import {
  CustomVariableSupport,
  type DataQueryRequest,
  type DataQueryResponse,
  FieldType,
  type MetricFindValue,
  toDataFrame,
} from '@grafana/data';
import { from, type Observable } from 'rxjs';
import { map } from 'rxjs/operators';

import type { HiFreqDataSource } from './datasource';
import { findVariableValues } from './variableQuery';
import type { HiFreqVariableQuery } from './types';
import { VariableQueryEditor } from './components/VariableQueryEditor';

/** Variables of this datasource list clusters, jobs, nodes or devices from the backend's resources. */
export class HiFreqVariableSupport extends CustomVariableSupport<HiFreqDataSource, HiFreqVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly ds: HiFreqDataSource) {
    super();
  }

  query(request: DataQueryRequest<HiFreqVariableQuery>): Observable<DataQueryResponse> {
    const q = request.targets[0] ?? { refId: 'variable', kind: 'clusters' };
    const range = request.range ? { from: request.range.from.valueOf(), to: request.range.to.valueOf() } : undefined;
    return from(findVariableValues(this.ds, q, request.scopedVars ?? {}, range)).pipe(
      map((values) => ({ data: [valuesFrame(values)] }))
    );
  }
}

/** Variable values as the data frame Grafana's variable runner reads (fields `text` and `value`). */
export function valuesFrame(values: MetricFindValue[]) {
  return toDataFrame({
    refId: 'variable',
    fields: [
      { name: 'text', type: FieldType.string, values: values.map((v) => v.text) },
      { name: 'value', type: FieldType.string, values: values.map((v) => v.value ?? v.text) },
    ],
  });
}
