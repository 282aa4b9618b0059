// Webpack build of the HYSOPE lab (modelled on jupyterlab/examples/app and dev_mode).
const path = require('path');
const miniSVGDataURI = require('mini-svg-data-uri');
const { Build } = require('@jupyterlab/builder');
const pkg = require('./package.json');
const { ModuleFederationPlugin } = require('webpack').container;
const { sharedPackages } = require('./shared.cjs');

// Where the build goes: build/ (what start-lab.sh serves), or HYSOPE_LAB_BUILD_DIR (the benchmark builds the
// development variant beside the production one).
const OUT = process.env.HYSOPE_LAB_BUILD_DIR ? path.resolve(process.env.HYSOPE_LAB_BUILD_DIR) : path.resolve(__dirname, 'build');

// Schemas and themes of every extension into the build, and its style.js (their styles); the themes are
// themselves webpack builds, returned here and run with the app's.
const themes = Build.ensureAssets({
  output: OUT,
  schemaOutput: OUT,
  themeOutput: OUT,
  packageNames: [...pkg.jupyterlab.extensions, ...pkg.jupyterlab.mimeExtensions]
});

module.exports = (env, argv) =>
  [
    {
      entry: './lib/index.js',
      output: { path: OUT, filename: 'bundle.js', chunkFilename: '[name].[contenthash].js', publicPath: 'auto' },
      // Production by default (minified; the lab server gzips it and caches hashed chunks for a year); the
      // persistent cache makes a rebuild after a small change take seconds, not the full two minutes.
      cache: { type: 'filesystem', name: `lab-${argv.mode ?? 'development'}`, buildDependencies: { config: [path.resolve(__dirname, 'webpack.config.cjs')] } },
      bail: true,
      devtool: argv.mode === 'production' ? false : 'source-map',
      mode: argv.mode ?? 'development',
      performance: { hints: false },
      module: {
        rules: [
          { test: /\.css$/, use: ['style-loader', 'css-loader'] },
          { test: /\.html$/, type: 'asset/resource' },
          { test: /\.md$/, type: 'asset/source' },
          { test: /\.(jpg|png|gif|eot|ttf|woff|woff2)$/, type: 'asset/resource' },
          { test: /\.js\.map$/, type: 'asset/resource' },
          { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.css$/, type: 'asset', generator: { dataUrl: (content) => miniSVGDataURI(content.toString()) } },
          { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.(js|ts)x?$/, type: 'asset/source' },
          { test: /\.m?js$/, resolve: { fullySpecified: false } },
          // DuckDB-WASM: its module and worker are served next to the bundle (never from a CDN).
          { test: /duckdb-browser-eh\.worker\.js$|duckdb-eh\.wasm$/, type: 'asset/resource', generator: { filename: '[name].[contenthash][ext]' } }
        ]
      },
      resolve: { fallback: { url: false, buffer: false, crypto: false, path: false, fs: false } },
      // The share scope prebuilt (federated) extensions find the lab's packages in (one instance of each).
      plugins: [
        new ModuleFederationPlugin({
          name: 'hysope_lab',
          shared: Object.fromEntries(
            Object.entries(sharedPackages()).map(([name, version]) => [name, { singleton: true, eager: true, version, requiredVersion: `^${version}` }])
          )
        })
      ]
    }
  ].concat(themes.map((t) => ({ ...t, mode: argv.mode ?? 'development', devtool: false })));
