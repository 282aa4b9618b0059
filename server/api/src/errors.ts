import { z } from 'zod';

/**
 * The one error shape every HYSOPE endpoint answers with (OGC API exception,
 * RFC 7807 style): `type`, `title`, `status`, `detail`.
 */
export const OgcException = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  /** STAC API's exception fields, beside the OGC ones: the title without spaces, and the detail. */
  code: z.string().optional(),
  description: z.string().optional()
});
export type OgcException = z.infer<typeof OgcException>;

/** Base URI of our exception types; the suffix names the kind of error. */
export const ERROR_TYPE_BASE = 'https://hysope.dev/errors/';

/** Exception `type` URIs by kind. */
export const ErrorTypes = {
  validation: `${ERROR_TYPE_BASE}invalid-parameter`,
  notFound: `${ERROR_TYPE_BASE}not-found`,
  conflict: `${ERROR_TYPE_BASE}conflict`,
  rangeNotSatisfiable: `${ERROR_TYPE_BASE}range-not-satisfiable`,
  unsupportedMediaType: `${ERROR_TYPE_BASE}unsupported-media-type`,
  tooManyRequests: `${ERROR_TYPE_BASE}too-many-requests`,
  unauthorized: `${ERROR_TYPE_BASE}unauthorized`,
  forbidden: `${ERROR_TYPE_BASE}forbidden`,
  unavailable: `${ERROR_TYPE_BASE}unavailable`,
  payloadTooLarge: `${ERROR_TYPE_BASE}payload-too-large`,
  internal: `${ERROR_TYPE_BASE}internal`
} as const;
