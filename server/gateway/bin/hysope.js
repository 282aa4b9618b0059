#!/usr/bin/env node
// Entry of the `hysope` command; the code lives in dist/cli.js (built by `npm run build`).
import { main } from '../dist/cli.js';

/** A readable reason, also for the embedded database's file-system errors (Emscripten ErrnoError). */
function describe(error) {
  if (error instanceof Error && error.name !== 'ErrnoError') return error.message;
  const errno = error && typeof error === 'object' ? error.errno : undefined;
  const known = { 2: 'permission denied', 44: 'no such file or directory', 51: 'no space left on the data disk', 69: 'the data folder is read-only' };
  if (errno !== undefined) return `the embedded database could not use its folder: ${known[errno] ?? `file-system error ${errno}`}`;
  return String(error);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    console.error(`hysope: ${describe(error)}`);
    // Fatal: exit now, whatever is still scheduled (a half-opened database, timers).
    process.exit(1);
  }
);
