import { z } from 'zod';

/** One catalog item a published notebook read, pinned with its version. */
export const GalleryPin = z.object({ collection: z.string(), id: z.string(), version: z.string().nullable() });
export type GalleryPin = z.infer<typeof GalleryPin>;

/** A notebook of the community gallery (without the notebook itself: `/gallery/{id}/notebook.ipynb`). */
export const GalleryEntry = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    license: z.string(),
    author: z.string(),
    created: z.string(),
    forked_from: z.string().nullable(),
    /** Who may see it: the most restricted access level of the collections it read. */
    level: z.string(),
    kernel: z.object({ name: z.string().nullable(), display_name: z.string().nullable(), language: z.string().nullable(), version: z.string().nullable() }),
    packages: z.record(z.string(), z.string()),
    pins: z.array(GalleryPin),
    outputs: z.number().int(),
    links: z.array(z.object({ rel: z.string(), href: z.string(), type: z.string().optional(), title: z.string().optional() })).optional()
  })
  .loose();
export type GalleryEntry = z.infer<typeof GalleryEntry>;

/** What `POST /gallery` takes. */
export const GalleryPublication = z.object({
  title: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  tags: z.array(z.string().max(40)).max(20).optional(),
  /** An SPDX licence identifier (CC-BY-4.0, Apache-2.0, ...). */
  license: z.string(),
  /** The notebook (nbformat 4), with its outputs. */
  notebook: z.record(z.string(), z.unknown())
});
export type GalleryPublication = z.infer<typeof GalleryPublication>;
