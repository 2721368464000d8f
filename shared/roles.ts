import { z } from 'zod';

export const roles = ['admin', 'coordinator', 'reviewer', 'proctor'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** Who is acting: the subset of a user that every policy reads. */
export interface Actor {
  id: string;
  role: Role;
  email: string;
  institution: string;
}
