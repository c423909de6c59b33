import { DataSourcePlugin } from '@grafana/data';

import { HiFreqDataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import type { HiFreqOptions, HiFreqQuery, HiFreqSecureOptions } from './types';

export const plugin = new DataSourcePlugin<HiFreqDataSource, HiFreqQuery, HiFreqOptions, HiFreqSecureOptions>(HiFreqDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
