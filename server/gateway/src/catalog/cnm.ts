import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { inboxPath } from './inbox.js';
import type { IngestResult } from './ingest.js';

/**
 * PO.DAAC's Cloud Notification Mechanism (CNM): the JSON message a provider sends for each new granule (its files
 * with URIs, sizes and checksums) and the response it gets back. The schema is the official one
 * (`schemas/cnm/cumulus_sns_schema.json`, podaac/cloud-notification-message-schema v1.6.1, Apache-2.0).
 */

export interface CnmFile {
  type: 'data' | 'browse' | 'metadata' | 'ancillary' | 'linkage';
  uri: string;
  name: string;
  size?: number;
  checksum?: string;
  checksumType?: 'SHA512' | 'SHA256' | 'SHA2' | 'SHA1' | 'md5';
}

export interface CnmNotification {
  version: string;
  provider: string;
  collection: string | { name: string; version?: string };
  submissionTime: string;
  identifier: string;
  trace?: string;
  product: { name: string; dataVersion?: string; files?: CnmFile[]; filegroups?: { id?: string; files: CnmFile[] }[] };
}

export type CnmErrorCode = 'VALIDATION_ERROR' | 'PROCESSING_ERROR' | 'TRANSFER_ERROR';

export interface CnmResponse {
  version: string;
  provider: string;
  collection: CnmNotification['collection'];
  submissionTime: string;
  receivedTime: string;
  processCompleteTime: string;
  identifier: string;
  trace?: string;
  product?: CnmNotification['product'];
  response: { status: 'SUCCESS' | 'FAILURE'; errorCode?: CnmErrorCode; errorMessage?: string; ingestionMetadata?: { catalogId: string; catalogUrl: string } };
}

/** A message that is not a CNM notification, or a granule that cannot be taken: why, as CNM says it. */
export class CnmError extends Error {
  constructor(
    readonly code: CnmErrorCode,
    message: string
  ) {
    super(message);
  }
}

const SCHEMA = fileURLToPath(new URL('../../schemas/cnm/cumulus_sns_schema.json', import.meta.url));
let validator: ValidateFunction | null = null;

/** The CNM schema's verdict on a message (notifications and responses alike), as a list of problems. */
export function cnmProblems(message: unknown): string[] {
  if (!validator) {
    // The schema's formats checked too (its times are date-times).
    const ajv = new Ajv({ allErrors: true, strict: false });
    // ajv-formats is CommonJS: its function is the default export or that export's `default`.
    (((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv)(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  }
  if (validator(message)) return [];
  return (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** A message body read as a CNM notification (a response, or anything else, is refused with the reason). */
export function parseCnm(body: Buffer | string): CnmNotification {
  let message: unknown;
  try {
    message = JSON.parse(body.toString());
  } catch {
    throw new CnmError('VALIDATION_ERROR', 'not a CNM message: the body is not JSON');
  }
  if (message && typeof message === 'object' && 'response' in message) throw new CnmError('VALIDATION_ERROR', 'a CNM response, not a notification');
  const problems = cnmProblems(message);
  if (problems.length) throw new CnmError('VALIDATION_ERROR', `not a valid CNM notification: ${problems.join('; ')}`);
  return message as CnmNotification;
}

/** The identifier of a message that may not be valid (for a response to it), or null. */
export function cnmIdentity(body: Buffer | string): Partial<CnmNotification> | null {
  try {
    const m = JSON.parse(body.toString()) as Partial<CnmNotification>;
    return m && typeof m === 'object' && typeof m.identifier === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** The data files of a notification (its files, or its file groups' files). */
export function dataFiles(n: CnmNotification): CnmFile[] {
  const files = n.product.files ?? n.product.filegroups?.flatMap((g) => g.files) ?? [];
  return files.filter((f) => f.type === 'data');
}

const HASHES: Record<NonNullable<CnmFile['checksumType']>, string> = { SHA512: 'sha512', SHA256: 'sha256', SHA2: 'sha256', SHA1: 'sha1', md5: 'md5' };

/**
 * The local path of a notified file, checked: its URI is a `file://` URL or an absolute path inside an inbox
 * (HYSOPE_INBOXES; nothing else on the server is read), its size and checksum are the message's (md5 when the
 * type is not given, as CNM says).
 */
export async function resolveCnmFile(file: CnmFile, inboxes: string[]): Promise<string> {
  let given = file.uri;
  if (/^file:\/\//i.test(given)) given = fileURLToPath(given);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given))
    throw new CnmError('TRANSFER_ERROR', `${file.name}: ${given.split(':')[0]} URIs are not fetched here; give a file:// URI in an inbox`);
  let real: string;
  try {
    real = await inboxPath(given, inboxes, file.name);
  } catch (error) {
    throw new CnmError('TRANSFER_ERROR', (error as Error).message);
  }
  if (path.basename(real) !== file.name && path.basename(given) !== file.name)
    throw new CnmError('VALIDATION_ERROR', `${file.name}: the URI names another file (${path.basename(given)})`);
  const size = (await stat(real)).size;
  if (file.size !== undefined && size !== file.size) throw new CnmError('VALIDATION_ERROR', `${file.name}: ${size} bytes, the message says ${file.size}`);
  if (file.checksum !== undefined) {
    const algorithm = HASHES[file.checksumType ?? 'md5'];
    const hash = createHash(algorithm);
    for await (const chunk of createReadStream(real)) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (digest.toLowerCase() !== file.checksum.toLowerCase())
      throw new CnmError('VALIDATION_ERROR', `${file.name}: ${file.checksumType ?? 'md5'} checksum ${digest} does not match the message's ${file.checksum}`);
  }
  return real;
}

/** A response to a notification (or to what could be read of one), at `received`. */
export function cnmResponse(
  n: Partial<CnmNotification>,
  received: Date,
  outcome: { ok: true; catalogId: string; catalogUrl: string } | { ok: false; code: CnmErrorCode; message: string }
): CnmResponse {
  return {
    version: n.version ?? '1.6.1',
    provider: n.provider ?? 'unknown',
    collection: n.collection ?? 'unknown',
    submissionTime: n.submissionTime ?? received.toISOString(),
    receivedTime: received.toISOString(),
    processCompleteTime: new Date().toISOString(),
    identifier: n.identifier ?? 'unknown',
    ...(n.trace ? { trace: n.trace } : {}),
    ...(n.product ? { product: n.product } : {}),
    response: outcome.ok
      ? { status: 'SUCCESS', ingestionMetadata: { catalogId: outcome.catalogId, catalogUrl: outcome.catalogUrl } }
      : { status: 'FAILURE', errorCode: outcome.code, errorMessage: outcome.message.slice(0, 2000) }
  };
}

/** What taking one notification did: the response to send, and whether trying again later may succeed. */
export interface CnmOutcome {
  response: CnmResponse;
  /** A failure that may pass (the catalog or the disk): the message is to be tried again. */
  transient: boolean;
  results: IngestResult[];
}

/**
 * Takes a notification: checks every data file (inbox, size, checksum) before ingesting any, then ingests them one
 * by one (each granule is its own item; a message naming the same granule again is an idempotent re-ingest).
 */
export async function takeCnm(
  n: CnmNotification,
  received: Date,
  inboxes: string[],
  ingest: (file: string) => Promise<IngestResult>,
  itemUrl: (collection: string, id: string) => string
): Promise<CnmOutcome> {
  const fail = (code: CnmErrorCode, message: string, transient = false, results: IngestResult[] = []): CnmOutcome => ({
    response: cnmResponse(n, received, { ok: false, code, message }),
    transient,
    results
  });
  const files = dataFiles(n);
  if (files.length === 0) return fail('VALIDATION_ERROR', `${n.product.name}: the message lists no data file`);
  const paths: string[] = [];
  try {
    for (const f of files) paths.push(await resolveCnmFile(f, inboxes));
  } catch (error) {
    if (error instanceof CnmError) return fail(error.code, error.message);
    return fail('TRANSFER_ERROR', (error as Error).message, true);
  }
  const results: IngestResult[] = [];
  for (const p of paths) {
    const r = await ingest(p);
    results.push(r);
    if (!r.ok) return fail('PROCESSING_ERROR', r.error, r.transient === true, results);
  }
  const first = results[0] as Extract<IngestResult, { ok: true }>;
  return { response: cnmResponse(n, received, { ok: true, catalogId: first.id, catalogUrl: itemUrl(first.collection, first.id) }), transient: false, results };
}

/** Takes one message body: a notification is taken ({@link takeCnm}); anything else gets its failure response. */
export async function takeCnmMessage(
  body: Buffer | string,
  received: Date,
  inboxes: string[],
  ingest: (file: string) => Promise<IngestResult>,
  itemUrl: (collection: string, id: string) => string
): Promise<CnmOutcome> {
  let n: CnmNotification;
  try {
    n = parseCnm(body);
  } catch (error) {
    if (!(error instanceof CnmError)) throw error;
    // The answer is itself a valid CNM response: the product the schema refused is not echoed.
    const { product: _refused, ...identity } = cnmIdentity(body) ?? {};
    return { response: cnmResponse(identity, received, { ok: false, code: error.code, message: error.message }), transient: false, results: [] };
  }
  return takeCnm(n, received, inboxes, ingest, itemUrl);
}
