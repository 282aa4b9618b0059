#!/usr/bin/env node
// Entry of the `hysope` command; the code lives in dist/cli.js (built by `npm run build`).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    console.error(`hysope: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
);
