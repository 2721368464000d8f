import { creditLevelLabels, type CreditLineInput } from '../schemas/credit.ts';

/** `3` → "3 semester hours", `1` → "1 semester hour", `1.5` → "1.5 semester hours". */
export function formatSemesterHours(hours: number): string {
  return `${hours} semester ${hours === 1 ? 'hour' : 'hours'}`;
}

/** A credit line as the National Guide phrases it: "In the … category, 3 semester hours in Mathematics". */
export function phraseCreditLine(line: CreditLineInput): string {
  return `In the ${creditLevelLabels[line.level]} category, ${formatSemesterHours(line.semesterHours)} in ${line.subject.trim()}`;
}
