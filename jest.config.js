// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// Extended per create-plugin's "extend the jest config" guide: Grafana 13 / scenes 8 pull in
// ESM-only `.mjs` files (d3-interpolate, ...) that the scaffolded transform (`.js/.ts` only) skips.
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  transform: {
    ...base.transform,
    '^.+\\.mjs$': swc,
  },
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@ver0/deep-equal', '@react-hookz', 'ml-', 'ol-mapbox-style', 'pbf', 'rbush', 'quickselect', 'earcut'])],
};
