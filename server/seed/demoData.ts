import type { Role } from '../../shared/roles.ts';

/** The password of every demo account; printed by `npm start`. */
export const DEMO_PASSWORD = 'quorum-demo';

export interface DemoUser {
  email: string;
  name: string;
  role: Role;
  institution: string;
  expertise: string[];
}

export const demoUsers: DemoUser[] = [
  { email: 'admin@quorum.test', name: 'Avery Admin', role: 'admin', institution: 'Quorum Credit Service', expertise: [] },
  { email: 'coordinator@quorum.test', name: 'Casey Morgan', role: 'coordinator', institution: 'Quorum Credit Service', expertise: [] },
  { email: 'r.okafor@umd.edu', name: 'Dr. Rita Okafor', role: 'reviewer', institution: 'University of Maryland', expertise: ['mathematics', 'calculus', 'statistics'] },
  { email: 'j.lindqvist@asu.edu', name: 'Prof. Jonas Lindqvist', role: 'reviewer', institution: 'Arizona State University', expertise: ['mathematics', 'algebra', 'mathematics education'] },
  { email: 'm.chen@duke.edu', name: 'Dr. Mei Chen', role: 'reviewer', institution: 'Duke University', expertise: ['biology', 'genetics', 'evolution'] },
  { email: 'a.haddad@ucdavis.edu', name: 'Dr. Amir Haddad', role: 'reviewer', institution: 'University of California, Davis', expertise: ['biology', 'genetics', 'bioinformatics'] },
  { email: 's.novak@cuny.edu', name: 'Prof. Sara Novak', role: 'reviewer', institution: 'City University of New York', expertise: ['biomedical engineering', 'physics', 'bioelectricity'] },
  { email: 't.brooks@ivytech.edu', name: 'Dr. Terrence Brooks', role: 'reviewer', institution: 'Ivy Tech Community College', expertise: ['mathematics', 'precalculus', 'developmental mathematics'] },
  { email: 'proctor.lee@quorum.test', name: 'Jordan Lee', role: 'proctor', institution: 'Quorum Proctoring Desk', expertise: [] },
  { email: 'proctor.ruiz@quorum.test', name: 'Dana Ruiz', role: 'proctor', institution: 'Quorum Proctoring Desk', expertise: [] },
];

export const demoProvider = { code: 'coursera', name: 'Coursera', kind: 'mooc' };

export const demoCourses = [
  {
    code: 'precalc-uci',
    version: '2013.1',
    title: 'Pre-Calculus and Algebra',
    subject: 'Mathematics',
    partnerInstitution: 'University of California, Irvine',
    partnerDomain: 'uci.edu',
    description:
      'Functions and their graphs, polynomial, rational, exponential and logarithmic functions, and the algebra needed to begin calculus.',
    contactHours: 45,
    syllabus: [
      { week: 1, title: 'Real numbers and equations', topics: ['number systems', 'linear equations', 'inequalities'] },
      { week: 2, title: 'Functions', topics: ['domain and range', 'composition', 'inverse functions'] },
      { week: 3, title: 'Polynomial and rational functions', topics: ['zeros', 'asymptotes', 'graphing'] },
      { week: 4, title: 'Exponential and logarithmic functions', topics: ['growth and decay', 'log laws', 'equations'] },
      { week: 5, title: 'Trigonometric functions', topics: ['unit circle', 'identities', 'graphs'] },
      { week: 6, title: 'Systems and sequences', topics: ['linear systems', 'matrices', 'series'] },
    ],
    learningOutcomes: [
      { text: 'Analyze functions algebraically and graphically, including composition and inverses.', bloom: 'analyze' },
      { text: 'Solve polynomial, rational, exponential and logarithmic equations.', bloom: 'apply' },
      { text: 'Model real situations with exponential growth and decay.', bloom: 'apply' },
      { text: 'Use trigonometric identities to simplify expressions and solve equations.', bloom: 'apply' },
    ],
    assessments: [
      { type: 'weekly problem sets', weight: 30, measures: 'procedural fluency with each week’s functions' },
      { type: 'quizzes', weight: 20, measures: 'recall of definitions and graph features' },
      { type: 'proctored final exam', weight: 50, measures: 'all outcomes under timed, identity-verified conditions' },
    ],
    examBlueprint: [
      { section: 'Functions and graphs', items: 12, weight: 30 },
      { section: 'Polynomial and rational', items: 10, weight: 25 },
      { section: 'Exponential and logarithmic', items: 10, weight: 25 },
      { section: 'Trigonometry', items: 8, weight: 20 },
    ],
  },
  {
    code: 'genetics-evolution-duke',
    version: '2013.1',
    title: 'Introduction to Genetics and Evolution',
    subject: 'Biology',
    partnerInstitution: 'Duke University',
    partnerDomain: 'duke.edu',
    description:
      'Mendelian and molecular genetics, population genetics and the mechanisms of evolution, from natural selection to speciation.',
    contactHours: 40,
    syllabus: [
      { week: 1, title: 'Evolution and the tree of life', topics: ['natural selection', 'phylogenetics'] },
      { week: 2, title: 'Mendelian inheritance', topics: ['segregation', 'independent assortment', 'pedigrees'] },
      { week: 3, title: 'Molecular genetics', topics: ['DNA', 'gene expression', 'mutation'] },
      { week: 4, title: 'Population genetics', topics: ['Hardy–Weinberg', 'drift', 'gene flow'] },
      { week: 5, title: 'Adaptation and speciation', topics: ['selection experiments', 'species concepts'] },
    ],
    learningOutcomes: [
      { text: 'Explain how natural selection, drift and gene flow change allele frequencies.', bloom: 'understand' },
      { text: 'Predict offspring ratios from Mendelian crosses and pedigrees.', bloom: 'apply' },
      { text: 'Evaluate evidence for common descent from molecular and fossil data.', bloom: 'evaluate' },
    ],
    assessments: [
      { type: 'weekly quizzes', weight: 40, measures: 'concepts of each unit' },
      { type: 'proctored final exam', weight: 60, measures: 'all outcomes under proctored conditions' },
    ],
    examBlueprint: [
      { section: 'Mendelian and molecular genetics', items: 15, weight: 40 },
      { section: 'Population genetics', items: 12, weight: 35 },
      { section: 'Evolutionary evidence', items: 8, weight: 25 },
    ],
  },
  {
    code: 'calculus-penn',
    version: '2013.1',
    title: 'Calculus: Single Variable',
    subject: 'Mathematics',
    partnerInstitution: 'University of Pennsylvania',
    partnerDomain: 'upenn.edu',
    description:
      'Differential and integral calculus of one variable, taught through Taylor series, with applications to the sciences and engineering.',
    contactHours: 60,
    syllabus: [
      { week: 1, title: 'Functions and Taylor series', topics: ['exponential', 'Taylor expansion', 'limits'] },
      { week: 2, title: 'Differentiation', topics: ['derivatives', 'linearization', 'L’Hôpital'] },
      { week: 3, title: 'Applications of derivatives', topics: ['optimization', 'related rates', 'differentials'] },
      { week: 4, title: 'Integration', topics: ['antiderivatives', 'techniques', 'improper integrals'] },
      { week: 5, title: 'Applications of integration', topics: ['area and volume', 'work', 'probability'] },
      { week: 6, title: 'Discretization', topics: ['sequences', 'numerical methods', 'series convergence'] },
    ],
    learningOutcomes: [
      { text: 'Compute limits, derivatives and integrals using Taylor series and standard techniques.', bloom: 'apply' },
      { text: 'Formulate and solve optimization and rate problems from the sciences.', bloom: 'create' },
      { text: 'Assess the convergence of sequences and series.', bloom: 'evaluate' },
    ],
    assessments: [
      { type: 'homework', weight: 30, measures: 'technique in each chapter' },
      { type: 'core and challenge problems', weight: 20, measures: 'modelling with calculus' },
      { type: 'proctored final exam', weight: 50, measures: 'all outcomes, identity-verified' },
    ],
    examBlueprint: [
      { section: 'Limits and series', items: 10, weight: 25 },
      { section: 'Differentiation and applications', items: 14, weight: 35 },
      { section: 'Integration and applications', items: 14, weight: 40 },
    ],
  },
];
