import * as Y from 'yjs';
import type { Database } from '../db/client.ts';
import { documentUpdates } from '../db/schema.ts';
import { claimDocumentClients } from '../realtime/documents/persistence.ts';
import { addCommentThread, addMissingOutcomes, readOutcomes, replyToThread, setDraftField, setThreadResolved, updateOutcomeRow, worksheetParts } from '../../shared/worksheet.ts';

export interface DemoWriter {
  id: string;
  name: string;
}

/** One block of the notes as the editor's schema (Tiptap's StarterKit, through y-prosemirror) stores it. */
type Block = { heading: string } | { paragraph: string } | { bullets: string[] };

function textBlock(name: 'paragraph' | 'heading', text: string): Y.XmlElement {
  const block = new Y.XmlElement(name);
  // y-prosemirror stores a node's attributes as they are: the heading's level is a number.
  if (name === 'heading') block.setAttribute('level', 3 as unknown as string);
  block.insert(0, [new Y.XmlText(text)]);
  return block;
}

function listItem(text: string): Y.XmlElement {
  const item = new Y.XmlElement('listItem');
  item.insert(0, [textBlock('paragraph', text)]);
  return item;
}

function element(block: Block): Y.XmlElement {
  if ('heading' in block) return textBlock('heading', block.heading);
  if ('paragraph' in block) return textBlock('paragraph', block.paragraph);
  const list = new Y.XmlElement('bulletList');
  list.insert(0, block.bullets.map(listItem));
  return list;
}

function appendNotes(doc: Y.Doc, blocks: Block[]): void {
  const notes = worksheetParts(doc).notes;
  notes.insert(notes.length, blocks.map(element));
}

/** A passage of the notes' paragraph `index` as a text anchor, the way the editor makes one from a selection. */
function passageAnchor(doc: Y.Doc, index: number, passage: string) {
  const paragraph = worksheetParts(doc).notes.get(index);
  const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : null;
  if (!(text instanceof Y.XmlText)) throw new Error(`notes block ${index} is not a paragraph`);
  const from = text.toString().indexOf(passage);
  if (from < 0) throw new Error(`"${passage}" is not in notes block ${index}`);
  const position = (offset: number) => Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, offset));
  return { kind: 'text' as const, ref: passage, range: { start: position(from), end: position(from + passage.length) } };
}

/**
 * The demo panel's worksheet as a deliberation under way: each panelist's edits as one Yjs update
 * under a client id of their own, claimed for them as the server claims a writer's (so the page and
 * the server's ownership checks treat them as theirs), comments signed by their authors.
 */
export function demoWorksheetEdits(course: { outcomes: readonly string[] }, panel: { chair: DemoWriter; expert: DemoWriter; member: DemoWriter }) {
  const stored: Uint8Array[] = [];
  const edits: { userId: string; clientId: number; update: Uint8Array }[] = [];
  const copies = new Map<string, Y.Doc>();
  const as = (writer: DemoWriter, edit: (doc: Y.Doc, sign: { authorId: string; authorName: string }) => void) => {
    let doc = copies.get(writer.id);
    if (!doc) copies.set(writer.id, (doc = new Y.Doc()));
    for (const update of stored) Y.applyUpdate(doc, update);
    const before = Y.encodeStateVector(doc);
    edit(doc, { authorId: writer.id, authorName: writer.name });
    const update = Y.encodeStateAsUpdate(doc, before);
    stored.push(update);
    edits.push({ userId: writer.id, clientId: doc.clientID, update });
  };
  const { chair, expert, member } = panel;

  as(chair, (doc) => {
    appendNotes(doc, [
      { heading: 'Where the reviews agree' },
      { paragraph: 'Rigorous and well assessed: the proctored final carries half the grade, and every attempt is identity-verified.' },
      { paragraph: 'Sixty contact hours plus weekly homework and challenge problems.' },
      { heading: 'Open questions' },
      { bullets: ['Hours: two reviews propose 4, one proposes 3 (the series material is lighter than a campus sequence).'] },
    ]);
    addMissingOutcomes(doc, course.outcomes);
    setDraftField(doc, 'subject', 'Calculus');
    setDraftField(doc, 'level', 'lower_division');
  });
  as(expert, (doc, sign) => {
    const list = worksheetParts(doc).notes.get(4);
    if (list instanceof Y.XmlElement) list.insert(list.length, [listItem('Captions in weeks 5–6 (standard 6.1): make corrected captions a condition?')]);
    const [, , series] = readOutcomes(doc);
    if (series) updateOutcomeRow(doc, series.id, { evidence: 'Week 6 only; 10 of the 38 exam items', met: 'partly' });
    addCommentThread(doc, { kind: 'syllabus', ref: '6' }, { ...sign, text: 'Week 6 is the only series material, a third of it on convergence tests. That is why I propose three hours.' });
    addCommentThread(doc, { kind: 'assessment', ref: '1' }, { ...sign, text: 'Are the challenge problems required to pass?' });
  });
  as(member, (doc, sign) => {
    appendNotes(doc, [{ paragraph: 'Our Calculus I is four semester hours for 60 contact hours: the match is close, with some Calculus II series content.' }]);
    const [technique, modelling] = readOutcomes(doc);
    if (technique) updateOutcomeRow(doc, technique.id, { evidence: 'Homework, chapters 1–4; final exam sections 1–3', met: 'yes' });
    if (modelling) updateOutcomeRow(doc, modelling.id, { evidence: 'Core and challenge problems; week 3', met: 'yes' });
    addCommentThread(doc, passageAnchor(doc, 1, 'the proctored final carries half the grade'), { ...sign, text: 'Worth saying in the summary: registrars ask about this first.' });
  });
  as(chair, (doc, sign) => {
    const [series, challenge] = worksheetParts(doc).comments.toArray().map((thread) => String(thread.get('id')));
    if (series) replyToThread(doc, series, { ...sign, text: 'The challenge problems in weeks 4–6 use series throughout. I will bring two examples before we vote.' });
    if (challenge) {
      replyToThread(doc, challenge, { ...sign, text: 'Yes: they are 20% of the grade, and the course policies require a passing average on them.' });
      setThreadResolved(doc, challenge, true);
    }
    setDraftField(doc, 'summary', 'Differential and integral calculus of one variable, taught through Taylor series, with a proctored, identity-verified final exam.');
  });
  return edits;
}

/** Stores the demo worksheet's edits for `documentId` (claims first, then the updates, in one transaction). */
export async function seedDemoWorksheet(db: Database, documentId: string, edits: ReturnType<typeof demoWorksheetEdits>): Promise<void> {
  await db.transaction(async (tx) => {
    await claimDocumentClients(tx, documentId, edits.map(({ clientId, userId }) => ({ clientId, userId })));
    await tx.insert(documentUpdates).values(edits.map(({ update, userId }) => ({ documentId, update: Buffer.from(update), actorId: userId })));
  });
}
