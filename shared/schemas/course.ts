import { z } from 'zod';

export const courseSummarySchema = z.object({
  id: z.uuid(),
  code: z.string(),
  title: z.string(),
  version: z.string(),
  subject: z.string(),
  contactHours: z.number(),
  provider: z.object({ id: z.uuid(), name: z.string() }),
});
export type CourseSummary = z.infer<typeof courseSummarySchema>;
