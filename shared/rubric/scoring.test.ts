import { describe, expect, it } from 'vitest';
import { panelResult, panelTally, reviewScore, type ReviewMarks } from './scoring.ts';
import { PASS_PERCENT, rubricAreas, rubricStandards, standardIds } from './standards.ts';
import { reviewProblems } from './submission.ts';

/** A review marking every standard met except `notMet` (and leaving `undecided` open). */
function marks(notMet: readonly string[] = [], undecided: readonly string[] = []): ReviewMarks {
  return Object.fromEntries(
    standardIds
      .filter((id) => !undecided.includes(id))
      .map((id) => [id, { met: !notMet.includes(id), comment: notMet.includes(id) ? 'Not evidenced.' : '' }]),
  );
}

describe('the rubric as data', () => {
  it('groups standards under the seven general areas, with unique ids and 3/2/1 points', () => {
    expect(rubricAreas.map((area) => area.id)).toEqual([
      'objectives',
      'assessment',
      'materials',
      'interaction',
      'learner_support',
      'accessibility',
      'academic_integrity',
    ]);
    expect(new Set(standardIds).size).toBe(standardIds.length);
    for (const standard of rubricStandards) expect([1, 2, 3]).toContain(standard.points);
    expect(rubricStandards.filter((standard) => standard.points === 3).length).toBeGreaterThan(0);
    expect(rubricStandards.reduce((sum, standard) => sum + standard.points, 0)).toBe(52);
  });
});

describe('a review score and the pass rule', () => {
  it('passes with every standard met', () => {
    expect(reviewScore(marks())).toMatchObject({ pointsMet: 52, pointsPossible: 52, percent: 100, passes: true, essentialsUnmet: [] });
  });

  it('fails when any essential standard is not met, whatever the points', () => {
    const score = reviewScore(marks(['7.1']));
    expect(score).toMatchObject({ pointsMet: 49, essentialsUnmet: ['7.1'], allEssentialsMet: false, reachesThreshold: true, passes: false });
  });

  it(`needs at least ${PASS_PERCENT} % of the points: 45 of 52 passes, 44 of 52 does not`, () => {
    expect(reviewScore(marks(['1.3', '2.3', '2.4', '1.4']))).toMatchObject({ pointsMet: 45, passes: true });
    expect(reviewScore(marks(['1.3', '2.3', '2.4', '3.2']))).toMatchObject({ pointsMet: 44, percent: 84.6, allEssentialsMet: true, passes: false });
  });

  it('counts undecided standards as not met', () => {
    expect(reviewScore(marks([], ['4.3']))).toMatchObject({ pointsMet: 51, passes: true });
    expect(reviewScore({})).toMatchObject({ pointsMet: 0, passes: false });
  });
});

describe('the panel result', () => {
  it('finds a standard met by majority and reports agreement and split', () => {
    const tally = panelTally([marks(), marks(['2.5']), marks(['2.5', '4.3'])]);
    const byId = new Map(tally.map((standard) => [standard.standardId, standard]));
    expect(byId.get('1.1')).toMatchObject({ met: 3, notMet: 0, finding: 'met', agreement: 'unanimous', agreementShare: 1 });
    expect(byId.get('4.3')).toMatchObject({ met: 2, notMet: 1, finding: 'met', agreement: 'majority' });
    expect(byId.get('4.3')?.agreementShare).toBeCloseTo(2 / 3);
    expect(byId.get('2.5')).toMatchObject({ met: 1, notMet: 2, finding: 'not_met', agreement: 'majority' });
  });

  it('treats a tie as a split that is not met: a majority must say met', () => {
    const [tied] = panelTally([marks(), marks(), marks(['1.1']), marks(['1.1'])]).filter((standard) => standard.standardId === '1.1');
    expect(tied).toMatchObject({ met: 2, notMet: 2, finding: 'not_met', agreement: 'split', agreementShare: 0.5 });
  });

  it('applies the pass rule to the majority findings, not to any single review', () => {
    // Each reviewer misses a different essential standard, yet by majority every essential is met.
    const result = panelResult([marks(['1.1']), marks(['2.2']), marks(['7.2'])]);
    expect(result.reviewCount).toBe(3);
    expect(result.score).toMatchObject({ pointsMet: 52, passes: true });
    // Two of three miss the same essential: the panel finds it not met and the course fails.
    expect(panelResult([marks(['6.1']), marks(['6.1']), marks()]).score).toMatchObject({ essentialsUnmet: ['6.1'], passes: false });
  });

  it('has nothing met without reviews', () => {
    expect(panelResult([]).score).toMatchObject({ pointsMet: 0, passes: false });
  });
});

describe('what a review needs before it is submitted', () => {
  it('names undecided standards, not-met standards without a reason, and unnamed credit subjects', () => {
    const draft = { standards: { ...marks([], ['3.4']), '2.5': { met: false, comment: '  ' } }, proposedCredit: [{ subject: 'Mathematics' }, { subject: '' }] };
    expect(reviewProblems(draft)).toEqual([
      { path: ['standards', '2.5', 'comment'], message: 'Standard 2.5: say why it is not met.' },
      { path: ['standards', '3.4'], message: 'Standard 3.4: mark it met or not met.' },
      { path: ['proposedCredit', 1, 'subject'], message: 'Credit line 2: name the subject.' },
    ]);
    expect(reviewProblems({ standards: marks(['2.5']), proposedCredit: [] })).toEqual([]);
  });
});
