import { z } from 'zod';

/** The conditions a subscription watches. */
export const AlertCondition = z.enum(['new', 'above', 'below', 'quality', 'silence']);

/**
 * One alert as the portal and the lab show it (`GET /notifications`): the notification the gateway wrote, with its
 * id and time. A SWOT observation carries its WSE, quality and place; a station's or gauge's its variable, value and
 * units; "no data for N days" the time of the last observation.
 */
export const AlertNotification = z
  .object({
    id: z.number().int(),
    at: z.string(),
    type: z.literal('hysope.notification'),
    subscription: z.string(),
    condition: AlertCondition,
    threshold: z.number().nullable(),
    feature: z.enum(['Reach', 'Node', 'PriorLake', 'Station', 'Gauge']),
    feature_id: z.string(),
    /** The feature's page in the portal. */
    link: z.string(),
    observation: z
      .object({
        time: z.string().nullable(),
        wse: z.number().nullable().optional(),
        quality: z.number().nullable().optional(),
        lon: z.number().nullable().optional(),
        lat: z.number().nullable().optional(),
        granule: z.string().optional(),
        variable: z.string().optional(),
        value: z.number().nullable().optional(),
        units: z.string().optional()
      })
      .optional(),
    last_observation: z.string().nullable().optional()
  })
  .loose();
export type AlertNotification = z.infer<typeof AlertNotification>;
