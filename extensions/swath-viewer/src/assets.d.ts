// Asset modules (webpack `asset/resource`): the import is the URL of the emitted file.
declare module '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm' {
  const url: string;
  export default url;
}
declare module '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js' {
  const url: string;
  export default url;
}
declare module 'plotly.js-basic-dist-min';
