import type { JobSummary } from '$shared/schemas/evaluation.ts';

/** `panel_forming` → `panel forming`, `re_review_due` → `re-review due`: how states and actions read in the console. */
export function humanize(word: string): string {
  return word.replaceAll('re_review', 're-review').replaceAll('_', ' ');
}

/** `open_panel` → `Open panel`, for buttons. */
export function sentenceCase(word: string): string {
  const text = humanize(word);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const dateTime = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** An ISO timestamp in the reader's time zone. */
export function formatDateTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : dateTime.format(at);
}

/** A calendar date (`YYYY-MM-DD`), shown without shifting it across time zones. */
export function formatDate(isoDate: string | null): string {
  if (!isoDate) return '—';
  const at = Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(at) ? isoDate : dateOnly.format(at);
}

export type SummaryLabel = 'queued' | 'running' | 'ready' | 'failed' | 'none';

/** What the dashboard says about an evaluation's summary job: a finished job reads "ready". */
export function summaryLabel(job: JobSummary | null): SummaryLabel {
  if (!job) return 'none';
  return job.state === 'done' ? 'ready' : job.state;
}

/** Job progress as a whole percentage (workers report 0..100). */
export function progressPercent(job: JobSummary): number {
  return Math.max(0, Math.min(100, Math.round(job.progress)));
}

/** A compact one-line JSON rendering for audit before/after values. */
export function compactJson(value: unknown, max = 120): string {
  if (value === null || value === undefined) return '∅';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
