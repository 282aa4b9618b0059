// Hub'Eau hydrometry replayed on a fixed port for the UI suite (started by start-servers.sh), until killed.
import { HubeauReplay } from '../hubeau-replay.js';

const replay = new HubeauReplay();
await replay.start(Number(process.argv[2] ?? 0));
console.log(`Hub'Eau replay on ${replay.url}`);
