import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { courses, providers, users } from '../db/schema.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { hashPassword } from '../auth/passwords.ts';
import { demoCourses, demoProvider, demoUsers, DEMO_PASSWORD } from './demoData.ts';

/** Seeds the demo on an empty database; returns false when there was already data. */
export async function seedDemo(db: Database): Promise<boolean> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return db.transaction(async (tx) => {
    // Serialize with a concurrent seeder (several processes starting at once).
    await tx.execute(sql`select pg_advisory_xact_lock(7301002)`);
    const [existing] = await tx.select({ count: sql<number>`count(*)::int` }).from(users);
    if ((existing?.count ?? 0) > 0) return false;
    const insertedUsers = await tx
      .insert(users)
      .values(demoUsers.map((user) => ({ ...user, passwordHash })))
      .returning({ id: users.id, email: users.email, role: users.role });
    const [provider] = await tx.insert(providers).values(demoProvider).returning();
    if (!provider) throw new Error('provider insert failed');
    const insertedCourses = await tx
      .insert(courses)
      .values(demoCourses.map((course) => ({ ...course, providerId: provider.id })))
      .returning({ id: courses.id, title: courses.title });
    await recordAudit(tx, {
      actorId: null,
      action: 'demo.seeded',
      subjectType: 'system',
      subjectId: 'demo',
      before: null,
      after: { users: insertedUsers.length, providers: 1, courses: insertedCourses.map((course) => course.title) },
    });
    return true;
  });
}
