// Writes core/package.json: the lab's shared packages as @jupyterlab/builder's "core" metadata, so that
// `build-labextension --core-path server/lab/core` builds prebuilt extensions against this lab.
const fs = require('fs');
const path = require('path');
const { sharedPackages } = require('../shared.cjs');

const shared = sharedPackages();
const core = {
  name: '@hysope/lab-core',
  version: '0.1.0',
  private: true,
  dependencies: Object.fromEntries(Object.entries(shared).map(([n, v]) => [n, `^${v}`])),
  jupyterlab: { singletonPackages: Object.keys(shared) }
};
fs.writeFileSync(path.join(__dirname, 'package.json'), JSON.stringify(core, null, 2) + '\n');
process.stdout.write(`core metadata: ${Object.keys(shared).length} shared packages\n`);
