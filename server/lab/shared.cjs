// The packages the lab shares with prebuilt (federated) extensions: one instance each (singletons), so an
// extension built elsewhere gets the lab's tokens (@jupyterlab/*, @lumino/*, @hysope/* tokens, React...).
// Used by webpack.config.cjs (the host's share scope) and core/make.cjs (what @jupyterlab/builder reads).
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');

function versionOf(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** name → installed version of every shared package. */
function sharedPackages() {
  const names = new Set(['react', 'react-dom', 'yjs', '@jupyter/ydoc', '@codemirror/state', '@codemirror/view', '@codemirror/language']);
  const pkgs = [require('./package.json')];
  for (const dir of fs.readdirSync(path.join(ROOT, 'extensions'))) {
    const p = path.join(ROOT, 'extensions', dir, 'package.json');
    if (fs.existsSync(p)) pkgs.push(JSON.parse(fs.readFileSync(p, 'utf8')));
  }
  for (const pkg of pkgs) for (const dep of Object.keys(pkg.dependencies ?? {})) if (/^@(jupyterlab|lumino|hysope)\//.test(dep)) names.add(dep);
  for (const dir of fs.readdirSync(path.join(ROOT, 'node_modules/@lumino'))) names.add(`@lumino/${dir}`);
  // The lab's own extensions are shared as modules (a prebuilt copy may replace one), not as its tokens only.
  const out = {};
  for (const name of [...names].sort()) {
    const v = versionOf(name);
    if (v) out[name] = v;
  }
  return out;
}

module.exports = { sharedPackages };
