// Builds the portal for production: one esbuild bundle (code split: the map's place names, plotly and
// DuckDB-WASM load when first needed), hashed file names cached for good, an index.html naming them, and each
// text file also gzip- and brotli-compressed for the gateway to send as is.
import { build } from 'esbuild';
import { readFile, rm, writeFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const assets = path.join(dist, 'assets');
await rm(dist, { recursive: true, force: true });

/** DuckDB-WASM's worker is a file the page starts, not a module to bundle. */
const workerAsFile = {
  name: 'worker-as-file',
  setup(b) {
    b.onLoad({ filter: /duckdb-browser-eh\.worker\.js$/ }, async (args) => ({ contents: await readFile(args.path), loader: 'file' }));
  }
};

const result = await build({
  absWorkingDir: here,
  entryPoints: { main: 'src/main.ts', style: 'style/index.css' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  outdir: assets,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  publicPath: '/portal/assets',
  minify: true,
  metafile: true,
  legalComments: 'linked',
  loader: { '.wasm': 'file', '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.svg': 'file' },
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [workerAsFile],
  logLevel: 'warning'
});

const outputs = Object.entries(result.metafile.outputs);
const entry = (name) =>
  path.basename(outputs.find(([file, o]) => o.entryPoint && path.basename(file).startsWith(`${name}-`) && file.endsWith(name === 'style' ? '.css' : '.js'))[0]);
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HYSOPE</title>
<link rel="icon" href="data:,">
<meta name="description" content="HYSOPE: find, view and download hydrology data, SWOT first (rivers, lakes, virtual stations, gauges).">
<link rel="stylesheet" href="/portal/assets/${entry('style')}">
<script type="module" src="/portal/assets/${entry('main')}"></script>
</head>
<body>
<div id="app"><noscript>HYSOPE's portal needs JavaScript; the data is also served by the STAC API at /stac and described at /api.html.</noscript></div>
</body>
</html>
`;
await writeFile(path.join(dist, 'index.html'), html);

// Compressed copies of the text files (the gateway picks one by Accept-Encoding).
let total = 0;
for (const dir of [dist, assets])
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    if (!(await stat(file)).isFile() || !/\.(js|css|html|wasm|json|txt)$/.test(name)) continue;
    const data = await readFile(file);
    total += data.length;
    await writeFile(`${file}.gz`, gzipSync(data, { level: 9 }));
    const quality = data.length > 4e6 ? 6 : 11;
    await writeFile(
      `${file}.br`,
      brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })
    );
  }
console.log(`portal: ${outputs.length} files, ${(total / 1e6).toFixed(1)} MB before compression, in ${path.relative(process.cwd(), dist) || '.'}`);
