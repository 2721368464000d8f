import { PASS_PERCENT, rubricStandards, type StandardId } from './standards.ts';

/** One reviewer's judgement of one standard; `met` is null while undecided. */
export interface StandardMark {
  met: boolean | null;
  comment: string;
}

/** A review's marks keyed by standard id; a missing key is undecided. */
export type ReviewMarks = Partial<Record<string, StandardMark>>;

/** Points against the pass rule: every essential standard met and at least PASS_PERCENT of the points. */
export interface RubricScore {
  pointsMet: number;
  pointsPossible: number;
  /** Share of points met, rounded to one decimal, for display only (the pass test uses integers). */
  percent: number;
  essentialsUnmet: StandardId[];
  allEssentialsMet: boolean;
  reachesThreshold: boolean;
  passes: boolean;
}

/** How a panel stands on one standard. */
export interface StandardTally {
  standardId: StandardId;
  points: number;
  essential: boolean;
  met: number;
  notMet: number;
  undecided: number;
  /** The panel's finding: met only when a majority of the reviews say so. */
  finding: 'met' | 'not_met';
  /** unanimous: every review agrees; majority: more than half agree; split: no side has a majority (e.g. a tie). */
  agreement: 'unanimous' | 'majority' | 'split';
  /** Share of the reviews on the larger side, 0..1. */
  agreementShare: number;
}

export interface PanelResult {
  reviewCount: number;
  standards: StandardTally[];
  score: RubricScore;
}

const pointsPossible = rubricStandards.reduce((sum, standard) => sum + standard.points, 0);

/** Applies the pass rule to the set of standards judged met. */
export function scoreMetStandards(met: ReadonlySet<string>): RubricScore {
  const pointsMet = rubricStandards.reduce((sum, standard) => sum + (met.has(standard.id) ? standard.points : 0), 0);
  const essentialsUnmet = rubricStandards.filter((standard) => standard.points === 3 && !met.has(standard.id)).map((standard) => standard.id);
  const reachesThreshold = pointsMet * 100 >= PASS_PERCENT * pointsPossible;
  return {
    pointsMet,
    pointsPossible,
    percent: Math.round((pointsMet / pointsPossible) * 1000) / 10,
    essentialsUnmet,
    allEssentialsMet: essentialsUnmet.length === 0,
    reachesThreshold,
    passes: essentialsUnmet.length === 0 && reachesThreshold,
  };
}

/** One reviewer's score: the standards they marked met, against the pass rule. */
export function reviewScore(marks: ReviewMarks): RubricScore {
  return scoreMetStandards(new Set(rubricStandards.filter((standard) => marks[standard.id]?.met === true).map((standard) => standard.id)));
}

/** The standards a review has not yet decided. */
export function undecidedStandards(marks: ReviewMarks): StandardId[] {
  return rubricStandards.filter((standard) => typeof marks[standard.id]?.met !== 'boolean').map((standard) => standard.id);
}

/** How the panel's reviews stand on each standard: counts, finding by majority, agreement. */
export function panelTally(reviews: readonly ReviewMarks[]): StandardTally[] {
  const total = reviews.length;
  return rubricStandards.map((standard): StandardTally => {
    const met = reviews.filter((marks) => marks[standard.id]?.met === true).length;
    const notMet = reviews.filter((marks) => marks[standard.id]?.met === false).length;
    const larger = Math.max(met, notMet);
    const agreement = total > 0 && larger === total ? 'unanimous' : larger * 2 > total ? 'majority' : 'split';
    return {
      standardId: standard.id,
      points: standard.points,
      essential: standard.points === 3,
      met,
      notMet,
      undecided: total - met - notMet,
      finding: met * 2 > total ? 'met' : 'not_met',
      agreement,
      agreementShare: total === 0 ? 0 : larger / total,
    };
  });
}

/** The panel's result: each standard by majority, then the pass rule over the standards found met. */
export function panelResult(reviews: readonly ReviewMarks[]): PanelResult {
  const standards = panelTally(reviews);
  const met = new Set<string>(standards.filter((tally) => tally.finding === 'met').map((tally) => tally.standardId));
  return { reviewCount: reviews.length, standards, score: scoreMetStandards(met) };
}
