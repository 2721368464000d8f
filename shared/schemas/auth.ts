import { z } from 'zod';
import { roleSchema } from '../roles.ts';

export const loginBodySchema = z.strictObject({
  email: z.email().max(254).transform((email) => email.toLowerCase()),
  password: z.string().min(1).max(512),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  institution: z.string(),
  expertise: z.array(z.string()),
});
export type User = z.infer<typeof userSchema>;

export const abilitiesSchema = z.record(z.string(), z.boolean());

export const sessionResponseSchema = z.object({
  user: userSchema,
  csrfToken: z.string(),
  abilities: abilitiesSchema,
});
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
