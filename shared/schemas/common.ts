import { z } from 'zod';

export const idParamsSchema = z.strictObject({ id: z.uuid() });

/** Cursor pagination shared by list endpoints. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});
