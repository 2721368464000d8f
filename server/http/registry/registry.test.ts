import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { RegistryListResponse, RegistryRecordResponse } from '../../../shared/schemas/recommendation.ts';
import { courses, providers } from '../../db/schema.ts';
import { buildCourse } from '../../../test/support/factories.ts';
import { panelInDeliberation, publishThroughApi, sampleMotion } from '../../../test/support/decisions.ts';
import { ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let anonymous: ApiClient;
const published: Record<'precalc' | 'precalcV2' | 'bioelectricity' | 'genetics', string> = {} as never;

async function courseFrom(provider: { code: string; name: string }, title: string, subject: string) {
  const db = stack.database.db;
  const course = await buildCourse(db, { title });
  await db.update(courses).set({ subject }).where(eq(courses.id, course.id));
  await db.update(providers).set(provider).where(eq(providers.id, course.provider.id));
  return course.id;
}

const search = (query: string) => anonymous.get<RegistryListResponse>(`/api/registry/recommendations${query}`);
const titles = (response: { body: RegistryListResponse }) => response.body.recommendations.map((record) => record.course.title).sort();

beforeAll(async () => {
  stack = await startTestStack({ env: { REGISTRY_MAX_REQUESTS: '40', REGISTRY_WINDOW_SECONDS: '600' } });
  anonymous = new ApiClient(stack.url);
  const precalc = await courseFrom({ code: 'coursera-a', name: 'Coursera' }, 'Pre-Calculus and Algebra', 'Mathematics');
  const bio = await courseFrom({ code: 'coursera-b', name: 'Coursera' }, 'Bioelectricity: A Quantitative Approach', 'Biomedical Engineering');
  const genetics = await courseFrom({ code: 'edx-c', name: 'edX' }, 'Introduction to Genetics and Evolution', 'Biology');

  published.precalc = await publishThroughApi(await panelInDeliberation(stack, { courseId: precalc }));
  published.precalcV2 = await publishThroughApi(
    await panelInDeliberation(stack, { courseId: precalc, cycle: 're_review' }),
    sampleMotion({ creditLines: [{ semesterHours: 3, level: 'lower_division', subject: 'College Algebra' }] }),
  );
  published.bioelectricity = await publishThroughApi(
    await panelInDeliberation(stack, { courseId: bio }),
    sampleMotion({
      creditLines: [
        { semesterHours: 3, level: 'upper_division', subject: 'Biomedical Engineering' },
        { semesterHours: 1, level: 'graduate', subject: 'Neuroscience' },
      ],
    }),
  );
  const geneticsPanel = await panelInDeliberation(stack, { courseId: genetics });
  published.genetics = await publishThroughApi(geneticsPanel, sampleMotion({ creditLines: [{ semesterHours: 4, level: 'lower_division', subject: 'Biology' }] }));
  const revoked = await geneticsPanel.coordinator.post(`/api/recommendations/${published.genetics}/revocation`, { reason: 'The exam was compromised.' });
  expect(revoked.status).toBe(201);
});
afterAll(async () => {
  await stack?.close();
});

describe('public registry JSON API', () => {
  it('lists the latest version of each course without a session, phrased like the National Guide', async () => {
    const response = await search('');
    expect(response.status).toBe(200);
    expect(titles(response)).toEqual(['Bioelectricity: A Quantitative Approach', 'Introduction to Genetics and Evolution', 'Pre-Calculus and Algebra']);
    const precalc = response.body.recommendations.find((record) => record.course.title === 'Pre-Calculus and Algebra');
    expect(precalc).toMatchObject({
      id: published.precalcV2,
      version: 2,
      status: 'active',
      supersedesId: published.precalc,
      course: { provider: 'Coursera', subject: 'Mathematics' },
      creditLines: [{ phrase: 'In the lower-division baccalaureate/associate degree category, 3 semester hours in College Algebra' }],
    });
    const bio = response.body.recommendations.find((record) => record.course.title.startsWith('Bioelectricity'));
    expect(bio?.creditLines.map((line) => line.phrase)).toEqual([
      'In the upper-division baccalaureate degree category, 3 semester hours in Biomedical Engineering',
      'In the graduate degree category, 1 semester hour in Neuroscience',
    ]);
    const genetics = response.body.recommendations.find((record) => record.course.title.startsWith('Introduction to Genetics'));
    expect(genetics).toMatchObject({ status: 'revoked', revocation: { reason: 'The exam was compromised.' } });
  });

  it('searches by course, provider, subject and level, case-insensitively', async () => {
    expect(titles(await search('?course=pre-calc'))).toEqual(['Pre-Calculus and Algebra']);
    expect(titles(await search('?provider=EDX'))).toEqual(['Introduction to Genetics and Evolution']);
    expect(titles(await search('?provider=coursera&subject=neuro'))).toEqual(['Bioelectricity: A Quantitative Approach']);
    expect(titles(await search('?subject=mathematics'))).toEqual(['Pre-Calculus and Algebra']);
    expect(titles(await search('?level=graduate'))).toEqual(['Bioelectricity: A Quantitative Approach']);
    expect(titles(await search('?level=lower_division'))).toEqual(['Introduction to Genetics and Evolution', 'Pre-Calculus and Algebra']);
    expect(titles(await search('?course=%25'))).toEqual([]);
    expect(titles(await search('?course=nothing-like-this'))).toEqual([]);
    // The limit applies after every filter, in title order.
    expect(titles(await search('?limit=2'))).toEqual(['Bioelectricity: A Quantitative Approach', 'Introduction to Genetics and Evolution']);
    expect(titles(await search('?level=lower_division&limit=1'))).toEqual(['Introduction to Genetics and Evolution']);
    expect(titles(await search('?subject=%25'))).toEqual([]);
  });

  it('refuses bad search input with 400', async () => {
    for (const query of ['?level=doctoral', '?limit=0', '?unknown=1']) {
      const response = await search(query);
      expect(response.status, query).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('shows one record with every version of its course and their dates', async () => {
    const response = await anonymous.get<RegistryRecordResponse>(`/api/registry/recommendations/${published.precalc}`);
    expect(response.status).toBe(200);
    expect(response.body.recommendation).toMatchObject({ id: published.precalc, version: 1, status: 'superseded', supersededById: published.precalcV2 });
    expect(response.body.versions.map((version) => [version.version, version.status])).toEqual([
      [2, 'active'],
      [1, 'superseded'],
    ]);
    const [latest] = response.body.versions;
    expect(latest).toMatchObject({ validFrom: sampleMotion().validFrom, reReviewDue: false });
    expect(latest?.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(latest?.panel).toHaveLength(3);
    expect((await anonymous.get('/api/registry/recommendations/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await anonymous.get('/api/registry/recommendations/42')).status).toBe(400);
  });

  it('keeps the console routes closed to anonymous callers', async () => {
    expect((await anonymous.get(`/api/recommendations/${published.precalc}`)).status).toBe(401);
    expect((await anonymous.request('PATCH', `/api/recommendations/${published.precalc}`, { summary: 'x' })).status).toBe(401);
  });

  it('rate-limits the public API per address with 429 and Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof search>> | null = null;
    for (let attempt = 0; attempt <= 40 && !limited; attempt++) {
      const response = await search('?course=algebra');
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(limited?.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
