import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's bundled sample data folder (`samples/`), used by tests, benchmarks and `hysope start`. */
export const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../samples');
