import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCommentThread,
  anchoredPassage,
  addMissingOutcomes,
  addOutcomeRow,
  isEmptyMotionStart,
  motionStartFrom,
  notesText,
  presenceColour,
  readWorksheet,
  removeOutcomeRow,
  replyToThread,
  setDraftField,
  setThreadResolved,
  updateOutcomeRow,
  worksheetParts,
} from './worksheet.ts';

const sync = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

describe('worksheet document helpers', () => {
  it('maps outcomes to evidence, and merges two panelists\' concurrent rows', () => {
    const doc = new Y.Doc();
    expect(addMissingOutcomes(doc, ['Solve linear equations.', 'Graph functions.'])).toBe(2);
    expect(addMissingOutcomes(doc, ['  solve LINEAR equations. '])).toBe(0);
    const [first] = readWorksheet(doc).outcomes;
    expect(updateOutcomeRow(doc, first!.id, { evidence: 'Week 2 quiz', met: 'yes' })).toBe(true);
    expect(updateOutcomeRow(doc, 'nope', { met: 'no' })).toBe(false);

    const other = new Y.Doc();
    sync(doc, other);
    addOutcomeRow(other, { outcome: 'Model growth.' });
    updateOutcomeRow(doc, first!.id, { met: 'partly' });
    sync(doc, other);
    sync(other, doc);
    expect(readWorksheet(doc).outcomes).toEqual(readWorksheet(other).outcomes);
    expect(readWorksheet(doc).outcomes.map((row) => [row.outcome, row.met])).toEqual([
      ['Solve linear equations.', 'partly'],
      ['Graph functions.', 'undecided'],
      ['Model growth.', 'undecided'],
    ]);
    expect(removeOutcomeRow(doc, first!.id)).toBe(true);
    expect(readWorksheet(doc).outcomes).toHaveLength(2);
  });

  it('keeps a draft recommendation and ignores values of the wrong type', () => {
    const doc = new Y.Doc();
    expect(readWorksheet(doc).draft).toEqual({ semesterHours: null, level: null, subject: '', summary: '' });
    setDraftField(doc, 'semesterHours', 3);
    setDraftField(doc, 'level', 'lower_division');
    setDraftField(doc, 'subject', 'Mathematics');
    worksheetParts(doc).draft.set('summary', 42);
    expect(readWorksheet(doc).draft).toEqual({ semesterHours: 3, level: 'lower_division', subject: 'Mathematics', summary: '' });
  });

  it('reads the draft and the outcomes marked met as the start of a motion', () => {
    const doc = new Y.Doc();
    const empty = motionStartFrom(readWorksheet(doc));
    expect(empty).toEqual({ creditLine: null, summary: '', learningOutcomes: [], leftOut: [] });
    expect(isEmptyMotionStart(empty)).toBe(true);

    setDraftField(doc, 'subject', '  Statistics ');
    addOutcomeRow(doc, { outcome: 'Estimate a mean.', met: 'yes' });
    addOutcomeRow(doc, { outcome: 'Test a hypothesis.', met: 'partly' });
    addOutcomeRow(doc, { outcome: '   ', met: 'yes' });
    addOutcomeRow(doc, { outcome: ' Fit a regression. ', met: 'yes' });
    addOutcomeRow(doc, { outcome: 'Design an experiment.', met: 'no' });
    const start = motionStartFrom(readWorksheet(doc));
    expect(start).toEqual({
      creditLine: { semesterHours: null, level: null, subject: 'Statistics' },
      summary: '',
      learningOutcomes: ['Estimate a mean.', 'Fit a regression.'],
      leftOut: [],
    });
    expect(isEmptyMotionStart(start)).toBe(false);

    // Hours a motion cannot carry (typed into the worksheet) are left out, and said so.
    for (const hours of [0.3, 0, 40]) {
      setDraftField(doc, 'semesterHours', hours);
      expect(motionStartFrom(readWorksheet(doc))).toMatchObject({
        creditLine: { semesterHours: null, subject: 'Statistics' },
        leftOut: [`its ${hours} semester hours (a motion takes 0.5 to 12, in halves)`],
      });
    }
    setDraftField(doc, 'semesterHours', 4.5);
    expect(motionStartFrom(readWorksheet(doc))).toMatchObject({ creditLine: { semesterHours: 4.5 }, leftOut: [] });
  });

  it('opens, answers and resolves comment threads anchored to evidence', () => {
    const doc = new Y.Doc();
    const threadId = addCommentThread(doc, { kind: 'syllabus', ref: '3' }, { authorId: 'u1', authorName: 'Ada', text: 'Is week 3 enough?' });
    expect(replyToThread(doc, threadId, { authorId: 'u2', authorName: 'Bo', text: 'With the lab, yes.' })).toBe(true);
    expect(setThreadResolved(doc, threadId, true)).toBe(true);
    expect(replyToThread(doc, 'missing', { authorId: 'u2', authorName: 'Bo', text: 'x' })).toBe(false);
    const [thread] = readWorksheet(doc).threads;
    expect(thread).toMatchObject({ id: threadId, anchor: { kind: 'syllabus', ref: '3' }, resolved: true });
    expect(thread!.messages.map((message) => message.text)).toEqual(['Is week 3 enough?', 'With the lab, yes.']);
  });

  it('anchors a thread to a passage of the notes that follows later edits, on every copy of the document', () => {
    const doc = new Y.Doc();
    const notes = worksheetParts(doc).notes;
    const paragraph = (text: string) => {
      const element = new Y.XmlElement('paragraph');
      element.insert(0, [new Y.XmlText(text)]);
      return element;
    };
    notes.insert(0, [paragraph('The course covers linear algebra in depth.'), paragraph('Exams are proctored.')]);
    const first = (notes.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    const second = (notes.get(1) as Y.XmlElement).get(0) as Y.XmlText;
    const range = (text: Y.XmlText, from: number, to: number, end = text) => ({
      start: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, from)),
      end: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(end, to)),
    });
    addCommentThread(doc, { kind: 'text', ref: 'linear algebra', range: range(first, 18, 32) }, { authorId: 'u1', authorName: 'Ada', text: 'How many hours?' });
    addCommentThread(doc, { kind: 'text', ref: 'in depth. Exams', range: range(first, 33, 5, second) }, { authorId: 'u1', authorName: 'Ada', text: 'Across blocks' });

    // Another panelist's copy, edited there: text typed before and inside the passage, a paragraph added above.
    const other = new Y.Doc();
    sync(doc, other);
    const otherFirst = ((worksheetParts(other).notes.get(0) as Y.XmlElement).get(0) as Y.XmlText);
    otherFirst.insert(0, 'In short: ');
    otherFirst.insert('In short: The course covers linear'.length, ' and abstract');
    worksheetParts(other).notes.insert(0, [paragraph('Summary first.')]);
    sync(other, doc);

    const [passage, spanning] = readWorksheet(doc).threads;
    expect(passage!.anchor.ref).toBe('linear algebra');
    expect(anchoredPassage(doc, passage!.anchor)).toBe('linear and abstract algebra');
    expect(anchoredPassage(other, readWorksheet(other).threads[0]!.anchor)).toBe('linear and abstract algebra');
    expect(anchoredPassage(doc, spanning!.anchor)).toBe('in depth. Exams');

    // Deleting the passage leaves the thread and its quote, with nothing left to point at.
    otherFirst.delete('In short: The course covers '.length, 'linear and abstract algebra'.length);
    sync(other, doc);
    expect(anchoredPassage(doc, passage!.anchor)).toBe('');
    // Anchors that are not passages, or carry no range, have no live text.
    expect(anchoredPassage(doc, { kind: 'syllabus', ref: '3' })).toBeNull();
    expect(anchoredPassage(doc, { kind: 'text', ref: 'typed quote' })).toBeNull();
  });

  it('reads the notes as text and gives each user a stable colour', () => {
    const doc = new Y.Doc();
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('Strong assessments.')]);
    worksheetParts(doc).notes.insert(0, [paragraph]);
    expect(notesText(doc)).toBe('Strong assessments.');
    expect(presenceColour('user-1')).toBe(presenceColour('user-1'));
    expect(presenceColour('user-1')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
