import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import type { CourseSummary, ImportProblem } from '../../../shared/schemas/course.ts';
import { auditEvents, courses } from '../../db/schema.ts';
import { buildCourse, buildUser, courseFields } from '../../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let coordinator: ApiClient;
let reviewer: ApiClient;
let providerId: string;

const sampleCsv = readFileSync(new URL('../../../docs/intake/courses-sample.csv', import.meta.url), 'utf8');
const sampleJson = readFileSync(new URL('../../../docs/intake/course-sample.json', import.meta.url), 'utf8');
const header = 'title,code,version,subject,partner_institution,partner_domain,description,contact_hours,syllabus,learning_outcomes,assessments,exam_blueprint';

const rows = async (table: typeof courses | typeof auditEvents) => (await stack.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;
type Refusal = { error: { code: string; message: string; details: ImportProblem[] } };

async function expectNothingWritten(send: () => Promise<{ status: number; body: unknown }>): Promise<Refusal['error']> {
  const [coursesBefore, auditBefore] = [await rows(courses), await rows(auditEvents)];
  const response = await send();
  expect(response.status).toBe(400);
  expect(await rows(courses)).toBe(coursesBefore);
  expect(await rows(auditEvents)).toBe(auditBefore);
  const { error } = response.body as Refusal;
  expect(error.code).toBe('validation_failed');
  return error;
}

beforeAll(async () => {
  stack = await startTestStack();
  const existing = await buildCourse(stack.database.db);
  providerId = existing.provider.id;
  const [coordinatorUser, reviewerUser] = await Promise.all([buildUser(stack.database.db, { role: 'coordinator' }), buildUser(stack.database.db, { role: 'reviewer' })]);
  [coordinator, reviewer] = await Promise.all([signedIn(stack.url, coordinatorUser.email), signedIn(stack.url, reviewerUser.email)]);
});
afterAll(async () => {
  await stack?.close();
});

describe('CSV import', () => {
  it('imports the documented sample in one go, each course audited with its line', async () => {
    const response = await coordinator.post<{ imported: CourseSummary[]; sha256: string }>('/api/courses/import/csv', { providerId, content: sampleCsv });
    expect(response.status).toBe(201);
    expect(response.body.imported.map((course) => course.code)).toEqual(['bioelectricity-duke', 'statistics-one-princeton']);
    const [bio] = await stack.database.db.select().from(courses).where(eq(courses.code, 'bioelectricity-duke'));
    expect(bio).toMatchObject({ partnerDomain: 'duke.edu', contactHours: 42 });
    expect(bio?.syllabus[1]).toEqual({ week: 2, title: 'Ion channels', topics: ['Hodgkin–Huxley model', 'gating'] });
    expect(bio?.learningOutcomes.map((outcome) => outcome.bloom)).toEqual(['apply', 'analyze', 'evaluate']);
    expect(bio?.examBlueprint).toHaveLength(3);
    const [event] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, bio!.id));
    expect(event).toMatchObject({ action: 'course.imported', after: { importedFrom: { format: 'csv', line: 2, sha256: response.body.sha256 } } });
  });

  it('reports every bad row by line and field, and writes nothing of the file', async () => {
    const csv = [
      header,
      'Good Course,good-1,1,Mathematics,UC Irvine,uci.edu,"A description that',
      'spans two lines.",40,1|Functions|domain,apply|Solve equations,exam|100|all,',
      'Bad Hours,bad-1,1,Mathematics,UC Irvine,uci.edu,desc,forty,1|Functions|domain,apply|Solve equations,exam|100|all,',
      'Bad Weights,bad-2,1,Mathematics,UC Irvine,uci.edu,desc,40,1|Functions|domain,memorize|Solve equations,exam|60|all; quiz|30|recall,',
      'Bad Entry,bad-3,1,Mathematics,UC Irvine,not a domain,desc,40,1|Functions,apply|Solve,exam|100|all,A|3|100',
      'Twin,good-1,1,Mathematics,UC Irvine,uci.edu,desc,40,1|Functions|domain,apply|Solve equations,exam|100|all,',
    ].join('\n');
    const error = await expectNothingWritten(() => coordinator.post('/api/courses/import/csv', { providerId, content: csv }));
    expect(error.message).toBe('The file has 6 problems; nothing was imported.');
    expect(error.details).toEqual([
      { line: 4, field: 'contact_hours', message: '"forty" is not a number' },
      { line: 5, field: 'learning_outcomes (entry 1, bloom)', message: expect.stringContaining('"remember"') },
      { line: 5, field: 'assessments', message: 'Assessment weights must add up to 100 %.' },
      { line: 6, field: 'syllabus', message: 'entry 1 has 2 part(s); expected 3: week | title | topics' },
      { line: 6, field: 'partner_domain', message: 'Must be a domain such as duke.edu.' },
      { line: 7, field: 'code', message: 'Same code and version as line 2.' },
    ]);
  });

  it('refuses a row that repeats a course version the provider already has', async () => {
    const error = await expectNothingWritten(() => coordinator.post('/api/courses/import/csv', { providerId, content: sampleCsv }));
    expect(error.details).toEqual([
      { line: 2, field: 'code', message: expect.stringContaining('already has bioelectricity-duke version 2013.1') },
      { line: 3, field: 'code', message: expect.stringContaining('already has statistics-one-princeton version 2013.1') },
    ]);
  });

  it('names broken files: unknown or missing columns, ragged rows, an unclosed quote, no rows', async () => {
    const cases: [string, ImportProblem[]][] = [
      [`${header},colour\n`, [{ line: 1, field: 'colour', message: expect.stringContaining('Unknown column') }]],
      ['title,code\nA,b\n', expect.arrayContaining([{ line: 1, field: 'version', message: 'Missing column.' }])],
      [`${header}\nA,b,1\n`, [{ line: 2, field: '', message: 'Expected 12 fields, found 3.' }]],
      [`${header}\n"A,b,1\n`, [{ line: expect.any(Number), field: '', message: expect.stringContaining('Quote Not Closed') }]],
      [`${header}\n`, [{ line: null, field: '', message: 'The file has a header but no courses.' }]],
    ];
    for (const [content, problems] of cases) {
      const error = await expectNothingWritten(() => coordinator.post('/api/courses/import/csv', { providerId, content }));
      expect(error.details, content).toEqual(problems);
    }
    const empty = await coordinator.post('/api/courses/import/csv', { providerId, content: '' });
    expect(empty.status).toBe(400);
  });
});

describe('JSON import', () => {
  it('imports the documented sample course, audited', async () => {
    const response = await coordinator.post<{ imported: CourseSummary[] }>('/api/courses/import/json', { providerId, content: sampleJson });
    expect(response.status).toBe(201);
    expect(response.body.imported).toMatchObject([{ code: 'dsa-ucsd', partnerDomain: 'ucsd.edu', title: 'Data Structures and Algorithms' }]);
    const [event] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, response.body.imported[0]!.id));
    expect(event).toMatchObject({ action: 'course.imported', after: { importedFrom: { format: 'json', line: null } } });
  });

  it('validates against the course schema and names each field; arrays are all or nothing', async () => {
    const bad = { ...courseFields(), assessments: [{ type: 'exam', weight: 50, measures: 'all' }], contactHours: 'forty' };
    let error = await expectNothingWritten(() => coordinator.post('/api/courses/import/json', { providerId, content: JSON.stringify(bad) }));
    expect(error.details).toEqual([
      { line: null, field: 'contactHours', message: expect.any(String) },
      { line: null, field: 'assessments', message: 'Assessment weights must add up to 100 %.' },
    ]);
    error = await expectNothingWritten(() =>
      coordinator.post('/api/courses/import/json', { providerId, content: JSON.stringify([courseFields(), { ...courseFields(), title: '' }]) }),
    );
    expect(error.details).toEqual([{ line: null, field: '[1].title', message: 'Required.' }]);
    error = await expectNothingWritten(() => coordinator.post('/api/courses/import/json', { providerId, content: '{"title": ' }));
    expect(error.details[0]?.message).toMatch(/^Not valid JSON/);
    error = await expectNothingWritten(() => coordinator.post('/api/courses/import/json', { providerId, content: JSON.stringify({ ...courseFields(), providerId }) }));
    expect(error.details[0]?.message).toMatch(/Unrecognized key/i);
  });

  it('refuses reviewers and unknown providers', async () => {
    expect((await reviewer.post('/api/courses/import/json', { providerId, content: sampleJson })).status).toBe(403);
    expect((await reviewer.post('/api/courses/import/csv', { providerId, content: sampleCsv })).status).toBe(403);
    const error = await expectNothingWritten(() =>
      coordinator.post('/api/courses/import/json', { providerId: '00000000-0000-4000-8000-000000000000', content: JSON.stringify(courseFields()) }),
    );
    expect(error.details).toMatchObject([{ path: 'providerId' }]);
  });
});
