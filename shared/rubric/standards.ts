/**
 * The course-review rubric as data. General standards (areas) group specific standards; each specific
 * standard is worth 3 points (essential), 2 or 1. Written for Quorum in the spirit of ACE CREDIT and
 * Quality Matters reviews of online courses offered for college-credit equivalency.
 */

export type RubricPoints = 3 | 2 | 1;

export interface RubricStandard {
  /** Stable id, `<area number>.<standard number>`, stored as the key of a review's marks. */
  id: string;
  text: string;
  points: RubricPoints;
}

export interface RubricArea {
  id: string;
  title: string;
  standards: readonly RubricStandard[];
}

export const rubricAreas = [
  {
    id: 'objectives',
    title: 'Learning objectives',
    standards: [
      { id: '1.1', points: 3, text: 'Course-level learning outcomes are stated in measurable terms: what a learner can do on completion.' },
      { id: '1.2', points: 3, text: 'The outcomes reach the breadth and rigor expected of college coursework at the level of credit proposed.' },
      { id: '1.3', points: 2, text: 'Module objectives are consistent with the course outcomes and build toward them.' },
      { id: '1.4', points: 1, text: 'Outcomes are written plainly and shown to learners before they enrol.' },
    ],
  },
  {
    id: 'assessment',
    title: 'Assessment and measurement',
    standards: [
      { id: '2.1', points: 3, text: 'Every course outcome is measured by at least one graded assessment.' },
      { id: '2.2', points: 3, text: 'A summative exam, proctored with identity verification, carries substantial weight in the final grade.' },
      { id: '2.3', points: 2, text: 'Grading criteria and the passing score are published and applied consistently.' },
      { id: '2.4', points: 2, text: 'Assessments are varied and sequenced so learners show mastery progressively.' },
      { id: '2.5', points: 1, text: 'Practice assessments give learners timely, specific feedback.' },
    ],
  },
  {
    id: 'materials',
    title: 'Instructional materials',
    standards: [
      { id: '3.1', points: 3, text: 'Materials are current, accurate and deep enough to support every outcome.' },
      { id: '3.2', points: 2, text: 'Contact hours and expected learner workload fit the credit proposed (about 45 hours of learner work per semester hour).' },
      { id: '3.3', points: 2, text: 'Sources are cited, and third-party materials are used under licence or with permission.' },
      { id: '3.4', points: 1, text: 'Materials use media suited to the content (text, video, simulations, data sets).' },
    ],
  },
  {
    id: 'interaction',
    title: 'Learner interaction and engagement',
    standards: [
      { id: '4.1', points: 2, text: 'Learning activities require active work with the content: problem sets, labs, projects.' },
      { id: '4.2', points: 2, text: 'Learners can reach instructors or qualified teaching staff through a stated channel and response time.' },
      { id: '4.3', points: 1, text: 'Peer interaction (forums, peer review) is structured and moderated.' },
    ],
  },
  {
    id: 'learner_support',
    title: 'Learner support',
    standards: [
      { id: '5.1', points: 2, text: 'Technical support is available and learners are told how to get it.' },
      { id: '5.2', points: 1, text: 'Academic support (tutoring, help centre, office hours) is easy to find.' },
      { id: '5.3', points: 1, text: 'Prerequisite knowledge and required technical skills are stated.' },
    ],
  },
  {
    id: 'accessibility',
    title: 'Accessibility and usability',
    standards: [
      { id: '6.1', points: 3, text: 'Video and audio have accurate captions or transcripts.' },
      { id: '6.2', points: 2, text: 'The platform and materials meet WCAG 2.1 AA, or a documented accommodation process covers the gaps.' },
      { id: '6.3', points: 1, text: 'Navigation is consistent and predictable from module to module.' },
    ],
  },
  {
    id: 'academic_integrity',
    title: 'Academic integrity',
    standards: [
      { id: '7.1', points: 3, text: 'The identity of the person taking the credit-bearing exam is verified against a government-issued ID.' },
      { id: '7.2', points: 3, text: 'The credit-bearing exam is proctored (live or recorded) and incidents go through a documented review.' },
      { id: '7.3', points: 2, text: 'The academic integrity policy and the consequences of breaching it are stated to learners.' },
      { id: '7.4', points: 1, text: 'Exam item banks are large enough, or rotated, to limit item exposure between attempts.' },
    ],
  },
] as const satisfies readonly RubricArea[];

export type RubricAreaId = (typeof rubricAreas)[number]['id'];
export type StandardId = (typeof rubricAreas)[number]['standards'][number]['id'];

/** Every specific standard in rubric order, with the area it belongs to. */
export const rubricStandards: readonly (RubricStandard & { id: StandardId; area: RubricAreaId })[] = rubricAreas.flatMap((area) =>
  area.standards.map((standard) => ({ ...standard, area: area.id })),
);

export const standardIds = rubricStandards.map((standard) => standard.id) as [StandardId, ...StandardId[]];

/** The share of points (by majority per standard) a course needs, besides every essential standard. */
export const PASS_PERCENT = 85;
