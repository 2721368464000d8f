export * from './standards.ts';
export * from './scoring.ts';
export * from './submission.ts';
