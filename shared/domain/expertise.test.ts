import { describe, expect, it } from 'vitest';
import { scoreExpertise, stem } from './expertise.ts';

const genetics = {
  subject: 'Biology',
  title: 'Introduction to Genetics and Evolution',
  description: 'Mendelian and molecular genetics, population genetics and the mechanisms of evolution.',
  learningOutcomes: [{ text: 'Explain how natural selection produces evolutionary change.' }],
  syllabus: [{ title: 'Molecular genetics', topics: ['DNA', 'gene expression'] }],
};

describe('expertise match', () => {
  it('stems so that related word forms meet', () => {
    expect(stem('genetics')).toBe(stem('genetic'));
    expect(stem('evolutionary')).toBe(stem('evolution'));
    expect(stem('mathematics')).toBe(stem('mathematical'));
    expect(stem('dna')).toBe('dna');
  });

  it('scores each term once per place it appears, and says where', () => {
    const { score, matches } = scoreExpertise(['Biology', 'genetics', 'evolution'], genetics);
    expect(matches).toEqual([
      { term: 'biology', where: 'subject', points: 3 },
      { term: 'genetics', where: 'title', points: 2 },
      { term: 'genetics', where: 'syllabus', points: 1 },
      { term: 'genetics', where: 'description', points: 1 },
      { term: 'evolution', where: 'title', points: 2 },
      { term: 'evolution', where: 'learning_outcomes', points: 1 },
      { term: 'evolution', where: 'description', points: 1 },
    ]);
    expect(score).toBe(11);
  });

  it('needs every word of a multi-word term, counts a term once, and joins hyphenated words', () => {
    expect(scoreExpertise(['biomedical engineering', 'physics'], genetics)).toEqual({ score: 0, matches: [] });
    expect(scoreExpertise(['genetics', 'Genetics '], genetics).score).toBe(4);
    const precalc = { ...genetics, subject: 'Mathematics', title: 'Pre-Calculus and Algebra', description: '', learningOutcomes: [], syllabus: [] };
    expect(scoreExpertise(['precalculus', 'calculus', 'mathematics education'], precalc).matches).toEqual([
      { term: 'precalculus', where: 'title', points: 2 },
      { term: 'calculus', where: 'title', points: 2 },
    ]);
  });
});
