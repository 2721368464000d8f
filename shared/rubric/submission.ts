import { rubricStandards } from './standards.ts';
import type { ReviewMarks } from './scoring.ts';

/** A field a review cannot be submitted with, named by its path in the review body. */
export interface ReviewProblem {
  path: (string | number)[];
  message: string;
}

/** What a review needs before it can be submitted: every standard decided, a reason for each not met, named credit subjects. */
export function reviewProblems(review: { standards: ReviewMarks; proposedCredit: readonly { subject: string }[] }): ReviewProblem[] {
  const problems: ReviewProblem[] = [];
  for (const standard of rubricStandards) {
    const mark = review.standards[standard.id];
    if (typeof mark?.met !== 'boolean') {
      problems.push({ path: ['standards', standard.id], message: `Standard ${standard.id}: mark it met or not met.` });
    } else if (!mark.met && mark.comment.trim() === '') {
      problems.push({ path: ['standards', standard.id, 'comment'], message: `Standard ${standard.id}: say why it is not met.` });
    }
  }
  review.proposedCredit.forEach((line, index) => {
    if (line.subject.trim().length < 2) problems.push({ path: ['proposedCredit', index, 'subject'], message: `Credit line ${index + 1}: name the subject.` });
  });
  return problems;
}
