import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../server/auth/passwords.ts';
import type { Database } from '../../server/db/client.ts';
import { courses, providers, users } from '../../server/db/schema.ts';
import type { Role } from '../../shared/roles.ts';

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

const unique = () => randomBytes(4).toString('hex');

/** Inserts a user who can sign in with TEST_PASSWORD. */
export async function buildUser(db: Database, overrides: { role: Role; institution?: string; name?: string; email?: string }) {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const id = unique();
  const [user] = await db
    .insert(users)
    .values({
      email: overrides.email ?? `${overrides.role}-${id}@example.edu`,
      name: overrides.name ?? `${overrides.role} ${id}`,
      role: overrides.role,
      institution: overrides.institution ?? `Institution ${id}`,
      expertise: ['mathematics'],
      passwordHash: await passwordHash,
    })
    .returning();
  if (!user) throw new Error('user insert failed');
  return user;
}

/** Inserts a provider and one course of it. */
export async function buildCourse(db: Database, overrides: { title?: string; partnerInstitution?: string } = {}) {
  const id = unique();
  const [provider] = await db.insert(providers).values({ code: `prov-${id}`, name: `Provider ${id}` }).returning();
  if (!provider) throw new Error('provider insert failed');
  const [course] = await db
    .insert(courses)
    .values({
      providerId: provider.id,
      code: `course-${id}`,
      version: '1',
      title: overrides.title ?? `Course ${id}`,
      subject: 'Mathematics',
      partnerInstitution: overrides.partnerInstitution ?? 'Test University',
      description: 'A course built by the test factories.',
      contactHours: 40,
      syllabus: [{ week: 1, title: 'Week one', topics: ['a topic'] }],
      learningOutcomes: [{ text: 'Apply a method.', bloom: 'apply' }],
      assessments: [{ type: 'proctored final exam', weight: 100, measures: 'everything' }],
      examBlueprint: [{ section: 'All', items: 10, weight: 100 }],
    })
    .returning();
  if (!course) throw new Error('course insert failed');
  return { ...course, provider };
}
