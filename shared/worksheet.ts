import * as Y from 'yjs';
import { creditLevels, semesterHoursSchema, type CreditLevel } from './schemas/credit.ts';

/**
 * The panel's worksheet as a Yjs document. Top-level types (names are part of the stored format):
 * - `notes`      Y.XmlFragment: rich-text shared notes (ProseMirror schema of the editor)
 * - `outcomeMap` Y.Array<Y.Map>: one row per learning outcome {id, outcome, evidence, met}
 * - `draft`      Y.Map: the draft recommendation {semesterHours, level, subject, summary}
 * - `comments`   Y.Array<Y.Map>: threads {id, anchor, messages: Y.Array<CommentMessage>, resolved}
 */
export const worksheetKeys = { notes: 'notes', outcomeMap: 'outcomeMap', draft: 'draft', comments: 'comments' } as const;

export type OutcomeMet = 'yes' | 'partly' | 'no' | 'undecided';
export interface OutcomeRow {
  id: string;
  outcome: string;
  evidence: string;
  met: OutcomeMet;
}

export interface DraftRecommendation {
  semesterHours: number | null;
  level: CreditLevel | null;
  subject: string;
  summary: string;
}

export type CommentAnchorKind = 'syllabus' | 'assessment' | 'text';
export interface CommentAnchor {
  kind: CommentAnchorKind;
  /** syllabus: the week number; assessment: its index; text: the passage as it read when the thread was opened. */
  ref: string;
  /** text: where the passage lies in the notes, as Yjs relative positions (JSON), so it follows later edits. */
  range?: TextRange;
}
/** A span of the notes between two Yjs relative positions (`Y.relativePositionToJSON`). */
export interface TextRange {
  start: unknown;
  end: unknown;
}
export interface CommentMessage {
  id: string;
  authorId: string;
  authorName: string;
  text: string;
  at: string;
}
export interface CommentThread {
  id: string;
  anchor: CommentAnchor;
  messages: CommentMessage[];
  resolved: boolean;
}

/** A plain snapshot of the structured parts, for rendering. */
export interface WorksheetView {
  outcomes: OutcomeRow[];
  draft: DraftRecommendation;
  threads: CommentThread[];
}

/** The worksheet's top-level shared types in a document. */
export function worksheetParts(doc: Y.Doc) {
  return {
    notes: doc.getXmlFragment(worksheetKeys.notes),
    outcomeMap: doc.getArray<Y.Map<unknown>>(worksheetKeys.outcomeMap),
    draft: doc.getMap<unknown>(worksheetKeys.draft),
    comments: doc.getArray<Y.Map<unknown>>(worksheetKeys.comments),
  };
}

/** A random id for rows, threads and messages (no Node APIs: runs in the browser too). */
export function newId(): string {
  return globalThis.crypto.randomUUID();
}

const metValues: readonly OutcomeMet[] = ['yes', 'partly', 'no', 'undecided'];
const asText = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Whether a value in a thread's messages has a message's shape (anything else a writer put there is not shown). */
function isCommentMessage(value: unknown): value is CommentMessage {
  if (typeof value !== 'object' || value === null || value instanceof Y.AbstractType) return false;
  const message = value as Record<string, unknown>;
  return ['id', 'authorId', 'authorName', 'text', 'at'].every((field) => typeof message[field] === 'string');
}

/** Adds an outcome row; returns its id. */
export function addOutcomeRow(doc: Y.Doc, row: Partial<Omit<OutcomeRow, 'id'>> = {}): string {
  const id = newId();
  const map = new Y.Map<unknown>();
  doc.transact(() => {
    map.set('id', id);
    map.set('outcome', row.outcome ?? '');
    map.set('evidence', row.evidence ?? '');
    map.set('met', row.met ?? 'undecided');
    worksheetParts(doc).outcomeMap.push([map]);
  });
  return id;
}

/** Adds one row per outcome text not already mapped (compared case- and space-insensitively). */
export function addMissingOutcomes(doc: Y.Doc, outcomes: readonly string[]): number {
  const known = new Set(readOutcomes(doc).map((row) => normalize(row.outcome)));
  const missing = outcomes.filter((outcome) => !known.has(normalize(outcome)));
  doc.transact(() => missing.forEach((outcome) => addOutcomeRow(doc, { outcome })));
  return missing.length;
}

/** Changes fields of the row with `id`; false when no such row. */
export function updateOutcomeRow(doc: Y.Doc, id: string, patch: Partial<Omit<OutcomeRow, 'id'>>): boolean {
  const map = worksheetParts(doc).outcomeMap.toArray().find((candidate) => candidate.get('id') === id);
  if (!map) return false;
  doc.transact(() => {
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) map.set(key, value);
  });
  return true;
}

/** Removes the row with `id`; false when no such row. */
export function removeOutcomeRow(doc: Y.Doc, id: string): boolean {
  const rows = worksheetParts(doc).outcomeMap;
  const index = rows.toArray().findIndex((candidate) => candidate.get('id') === id);
  if (index < 0) return false;
  rows.delete(index, 1);
  return true;
}

/** The outcome rows as plain data. */
export function readOutcomes(doc: Y.Doc): OutcomeRow[] {
  return worksheetParts(doc)
    .outcomeMap.toArray()
    .map((map) => {
      const met = map.get('met');
      return {
        id: asText(map.get('id')),
        outcome: asText(map.get('outcome')),
        evidence: asText(map.get('evidence')),
        met: metValues.includes(met as OutcomeMet) ? (met as OutcomeMet) : 'undecided',
      };
    });
}

/** Sets one field of the draft recommendation. */
export function setDraftField<K extends keyof DraftRecommendation>(doc: Y.Doc, field: K, value: DraftRecommendation[K]): void {
  worksheetParts(doc).draft.set(field, value);
}

/** The draft recommendation as plain data (unset fields as empty). */
export function readDraft(doc: Y.Doc): DraftRecommendation {
  const draft = worksheetParts(doc).draft;
  const hours = draft.get('semesterHours');
  const level = draft.get('level');
  return {
    semesterHours: typeof hours === 'number' && Number.isFinite(hours) ? hours : null,
    level: creditLevels.includes(level as CreditLevel) ? (level as CreditLevel) : null,
    subject: asText(draft.get('subject')),
    summary: asText(draft.get('summary')),
  };
}

/** What a motion starts from when the chair takes the worksheet's draft. */
export interface MotionStart {
  /** The draft's credit line, when any of its fields is set. */
  creditLine: { semesterHours: number | null; level: CreditLevel | null; subject: string } | null;
  summary: string;
  /** The mapped outcomes the panel marked met, in the table's order (partly met ones are not). */
  learningOutcomes: string[];
  /** What the worksheet holds that a motion cannot carry, in words (left out of the above). */
  leftOut: string[];
}

/** The draft recommendation and the outcome mapping, read as the start of a motion. */
export function motionStartFrom(view: Pick<WorksheetView, 'draft' | 'outcomes'>): MotionStart {
  const { level, subject, summary } = view.draft;
  const leftOut: string[] = [];
  // The worksheet is a scratchpad: a figure a motion cannot carry stays out of it.
  let semesterHours = view.draft.semesterHours;
  if (semesterHours !== null && !semesterHoursSchema.safeParse(semesterHours).success) {
    leftOut.push(`its ${semesterHours} semester hours (a motion takes 0.5 to 12, in halves)`);
    semesterHours = null;
  }
  const hasLine = semesterHours !== null || level !== null || subject.trim() !== '';
  return {
    creditLine: hasLine ? { semesterHours, level, subject: subject.trim() } : null,
    summary: summary.trim(),
    learningOutcomes: view.outcomes.filter((row) => row.met === 'yes' && row.outcome.trim() !== '').map((row) => row.outcome.trim()),
    leftOut,
  };
}

/** True when a motion would take nothing from the worksheet. */
export function isEmptyMotionStart(start: MotionStart): boolean {
  return start.creditLine === null && start.summary === '' && start.learningOutcomes.length === 0;
}

/** Opens a comment thread with its first message; returns the thread id. */
export function addCommentThread(doc: Y.Doc, anchor: CommentAnchor, message: Omit<CommentMessage, 'id' | 'at'>): string {
  const id = newId();
  const thread = new Y.Map<unknown>();
  const messages = new Y.Array<CommentMessage>();
  doc.transact(() => {
    thread.set('id', id);
    thread.set('anchor', { kind: anchor.kind, ref: anchor.ref, ...(anchor.kind === 'text' && anchor.range ? { range: anchor.range } : {}) });
    thread.set('resolved', false);
    thread.set('messages', messages);
    messages.push([{ ...message, id: newId(), at: new Date().toISOString() }]);
    worksheetParts(doc).comments.push([thread]);
  });
  return id;
}

function findThread(doc: Y.Doc, threadId: string): Y.Map<unknown> | undefined {
  return worksheetParts(doc).comments.toArray().find((thread) => thread.get('id') === threadId);
}

/** Appends a reply to a thread; false when no such thread. */
export function replyToThread(doc: Y.Doc, threadId: string, message: Omit<CommentMessage, 'id' | 'at'>): boolean {
  const messages = findThread(doc, threadId)?.get('messages');
  if (!(messages instanceof Y.Array)) return false;
  messages.push([{ ...message, id: newId(), at: new Date().toISOString() }]);
  return true;
}

/** Marks a thread resolved (or reopens it); false when no such thread. */
export function setThreadResolved(doc: Y.Doc, threadId: string, resolved: boolean): boolean {
  const thread = findThread(doc, threadId);
  if (!thread) return false;
  thread.set('resolved', resolved);
  return true;
}

/** The comment threads as plain data. */
export function readThreads(doc: Y.Doc): CommentThread[] {
  return worksheetParts(doc)
    .comments.toArray()
    .map((thread) => {
      const anchor = thread.get('anchor') as Partial<CommentAnchor> | undefined;
      const messages = thread.get('messages');
      const range = anchor?.range;
      return {
        id: asText(thread.get('id')),
        anchor: {
          kind: anchor?.kind ?? 'text',
          ref: asText(anchor?.ref),
          ...(range && typeof range === 'object' && 'start' in range && 'end' in range ? { range: { start: range.start, end: range.end } } : {}),
        },
        messages: messages instanceof Y.Array ? (messages.toArray() as unknown[]).filter(isCommentMessage) : [],
        resolved: thread.get('resolved') === true,
      };
    });
}

/** The plain text of a rich-text node: its text runs, formatting dropped. */
function plainText(text: Y.XmlText): string {
  return (text.toDelta() as { insert?: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

type NotesNode = Y.XmlFragment | Y.XmlElement | Y.XmlText;

/**
 * The notes' text in document order (one newline after each block), and where each resolved Yjs
 * position falls in it (null when the position is not in the notes, e.g. its paragraph was deleted).
 */
function linearNotes(notes: Y.XmlFragment, positions: readonly Y.AbsolutePosition[]): { text: string; offsets: (number | null)[] } {
  let text = '';
  const offsets: (number | null)[] = positions.map(() => null);
  const mark = (node: NotesNode, at: (index: number) => number | null) =>
    positions.forEach((position, slot) => {
      if (position.type !== node || offsets[slot] !== null) return;
      offsets[slot] = at(position.index);
    });
  const walk = (node: NotesNode): void => {
    if (node instanceof Y.XmlText) {
      mark(node, (index) => text.length + Math.min(index, node.length));
      text += plainText(node);
      return;
    }
    (node.toArray() as NotesNode[]).forEach((child, position) => {
      mark(node, (index) => (index === position ? text.length : null));
      walk(child);
    });
    mark(node, () => text.length);
    if (node instanceof Y.XmlElement) text += '\n';
  };
  walk(notes);
  return { text, offsets };
}

/**
 * The passage a text anchor covers in the notes as they read now: it follows every edit made since
 * the thread was opened. '' when the passage was deleted; null for other anchors, or a text anchor
 * without a range (threads from before ranges existed show their quote).
 */
export function anchoredPassage(doc: Y.Doc, anchor: CommentAnchor): string | null {
  if (anchor.kind !== 'text' || !anchor.range) return null;
  const resolve = (json: unknown) => {
    try {
      return Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(json), doc);
    } catch {
      return null;
    }
  };
  const start = resolve(anchor.range.start);
  const end = resolve(anchor.range.end);
  if (!start || !end) return '';
  const notes = linearNotes(worksheetParts(doc).notes, [start, end]);
  const [from = null, to = null] = notes.offsets;
  if (from === null || to === null || to <= from) return '';
  return notes.text.slice(from, to).replace(/\s+/g, ' ').trim();
}

/** Every structured part of the worksheet as plain data. */
export function readWorksheet(doc: Y.Doc): WorksheetView {
  return { outcomes: readOutcomes(doc), draft: readDraft(doc), threads: readThreads(doc) };
}

/** The plain text of the notes (paragraphs joined by newlines), for tests and summaries. */
export function notesText(doc: Y.Doc): string {
  const lines: string[] = [];
  const walk = (node: Y.XmlElement | Y.XmlText | Y.XmlFragment): string => {
    if (node instanceof Y.XmlText) return plainText(node);
    return node
      .toArray()
      .map((child) => walk(child as Y.XmlElement | Y.XmlText))
      .join('');
  };
  for (const block of worksheetParts(doc).notes.toArray()) lines.push(walk(block as Y.XmlElement | Y.XmlText));
  return lines.join('\n');
}

/** A stable presence colour per user, readable on white and under white text. */
export function presenceColour(userId: string): string {
  // Each at least 4.8:1 against white, both ways: a caret on the page, white initials on the colour.
  const palette = ['#c2410c', '#2457c5', '#237a36', '#ae3ec9', '#c2255c', '#0b7285', '#a65e00', '#5f3dc4'];
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length] ?? '#2457c5';
}

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}
