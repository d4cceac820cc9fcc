// Mocha's settings. The whole suite's spec pattern applies only when no spec file is named: mocha
// adds a config's `spec` to the files given on the command line, so `mocha one.spec.js` would
// otherwise run everything. The files named are found with mocha's own parser (config ignored).
const { loadOptions } = require('mocha/lib/cli/options.cjs');

const named = loadOptions([...process.argv.slice(2), '--no-config', '--no-package'])._;

module.exports = {
  ...(named.length === 0 ? { spec: ['dist/spec/**/*.spec.js'] } : {}),
  timeout: 20000,
  'enable-source-maps': true,
  exit: true,
};
