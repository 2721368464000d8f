/** Where in a course a reviewer's expertise term was found. */
export type MatchPlace = 'subject' | 'title' | 'learning_outcomes' | 'syllabus' | 'description';

/** Points per place: the subject says most about fit, a passing mention in the description least. */
export const matchPoints: Record<MatchPlace, number> = {
  subject: 3,
  title: 2,
  learning_outcomes: 1,
  syllabus: 1,
  description: 1,
};

export interface ExpertiseMatch {
  term: string;
  where: MatchPlace;
  points: number;
}

/** The parts of a course that expertise is matched against. */
export interface CourseText {
  subject: string;
  title: string;
  description: string;
  learningOutcomes: readonly { text: string }[];
  syllabus: readonly { title: string; topics: readonly string[] }[];
}

// Longest first; one suffix is stripped, and only when a stem of four letters or more remains.
const suffixes = ['ational', 'ations', 'ation', 'ical', 'ary', 'ics', 'ies', 'ic', 'al', 'es', 's', 'y'];

/** A crude stem, enough that "genetics" finds "Genetic", "evolutionary" finds "evolution". */
export function stem(word: string): string {
  for (const suffix of suffixes) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) return word.slice(0, -suffix.length);
  }
  return word;
}

function tokens(text: string): string[] {
  const plain = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words: string[] = [];
  for (const token of plain.split(/[^a-z0-9-]+/)) {
    if (!token) continue;
    // "Pre-Calculus" counts as "precalculus", "pre" and "calculus".
    words.push(token.replaceAll('-', ''), ...token.split('-'));
  }
  return words.filter((word) => word.length > 0);
}

function stemsOf(text: string): Set<string> {
  return new Set(tokens(text).map(stem));
}

function termStems(term: string): string[] {
  return [...new Set(tokens(term).filter((word) => !word.includes('-')).map(stem))];
}

/**
 * How well a reviewer's expertise fits a course: each expertise term scores once per place where
 * all of its words appear (subject 3, title 2, learning outcomes 1, syllabus 1, description 1).
 * The matches are the explanation shown next to the score.
 */
export function scoreExpertise(expertise: readonly string[], course: CourseText): { score: number; matches: ExpertiseMatch[] } {
  const places: [MatchPlace, Set<string>][] = [
    ['subject', stemsOf(course.subject)],
    ['title', stemsOf(course.title)],
    ['learning_outcomes', stemsOf(course.learningOutcomes.map((outcome) => outcome.text).join(' '))],
    ['syllabus', stemsOf(course.syllabus.map((section) => [section.title, ...section.topics].join(' ')).join(' '))],
    ['description', stemsOf(course.description)],
  ];
  const matches: ExpertiseMatch[] = [];
  const seen = new Set<string>();
  for (const raw of expertise) {
    const term = raw.trim().toLowerCase();
    const stems = termStems(term);
    if (stems.length === 0 || seen.has(term)) continue;
    seen.add(term);
    for (const [where, words] of places) {
      if (stems.every((word) => words.has(word))) matches.push({ term, where, points: matchPoints[where] });
    }
  }
  return { score: matches.reduce((sum, match) => sum + match.points, 0), matches };
}

export const matchPlaceLabels: Record<MatchPlace, string> = {
  subject: 'the subject',
  title: 'the title',
  learning_outcomes: 'the learning outcomes',
  syllabus: 'the syllabus',
  description: 'the description',
};
