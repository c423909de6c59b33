// Extends the scaffolded webpack config as create-plugin documents ("extend the webpack config"):
// the scaffold copies only the app's logos, so the nested datasource's img/ is copied here.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [...(base.plugins ?? []), new CopyWebpackPlugin({ patterns: [{ from: 'datasource/img', to: 'datasource/img' }] })],
  };
};

export default config;
