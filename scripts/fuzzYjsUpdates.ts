import * as Y from 'yjs';
import { appliesToEmptyDocument, readYjsUpdate } from '../server/realtime/documents/limits.ts';

/**
 * `npm run fuzz:updates [seconds]`: mutates real worksheet-like Yjs updates byte by byte and checks
 * that whatever the server's update checks accept (`readYjsUpdate`, then `appliesToEmptyDocument`)
 * also applies to a filled document. Prints how many mutations decoded, how many throw somewhere,
 * and any that pass the checks and still throw (there should be none). Not a test: it samples.
 */
const seconds = Number(process.argv[2] ?? 30);

function filledDocument(): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = 1;
  const paragraph = new Y.XmlElement('paragraph');
  const text = new Y.XmlText();
  paragraph.insert(0, [text]);
  doc.getXmlFragment('notes').insert(0, [paragraph]);
  text.insert(0, 'Assessments are proctored online and graded by staff.');
  doc.getMap('draft').set('hours', 3);
  const thread = new Y.Map();
  doc.getMap('comments').set('t0', thread);
  thread.set('quote', 'proctored');
  thread.set('replies', new Y.Array());
  return doc;
}

const baseState = Y.encodeStateAsUpdate(filledDocument());
const samples: Uint8Array[] = [];
for (let client = 0; client < 30; client++) {
  const doc = new Y.Doc();
  doc.clientID = 100 + client;
  Y.applyUpdate(doc, baseState);
  doc.on('update', (update: Uint8Array) => samples.push(update));
  const text = (doc.getXmlFragment('notes').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  text.insert(5 + client, `x${client}`);
  text.delete(2, 1);
  text.format(0, 4, { bold: true });
  doc.getMap('draft').set('subject', `CS ${client}`);
  doc.getMap('comments').set(`t${client + 1}`, new Y.Map());
  (doc.getMap('comments').get('t0') as Y.Map<Y.Array<string>>).get('replies')!.push([`reply ${client}`]);
  const paragraph = new Y.XmlElement('paragraph');
  doc.getXmlFragment('notes').insert(1, [paragraph]);
  paragraph.insert(0, [new Y.XmlText('hello')]);
}

const accepted = (update: Uint8Array) => {
  try {
    readYjsUpdate(update);
  } catch {
    return false;
  }
  return appliesToEmptyDocument(update);
};
const throwsOn = (doc: Y.Doc, update: Uint8Array) => {
  try {
    Y.applyUpdate(doc, update);
    return false;
  } catch {
    return true;
  }
};

// Yjs logs what it cannot apply; thousands of lines say nothing here.
console.warn = () => {};
console.error = () => {};
const honestRefused = samples.filter((update) => !accepted(update)).length;
let mutations = 0;
let decoded = 0;
let throwing = 0;
const missed: string[] = [];
const deadline = performance.now() + seconds * 1000;
while (performance.now() < deadline) {
  mutations++;
  const update = Uint8Array.from(samples[Math.floor(Math.random() * samples.length)]!);
  const flips = 1 + Math.floor(Math.random() * 3);
  for (let flip = 0; flip < flips; flip++) update[Math.floor(Math.random() * update.length)] = Math.floor(Math.random() * 256);
  try {
    Y.decodeUpdate(update);
  } catch {
    continue;
  }
  decoded++;
  const filled = new Y.Doc();
  Y.applyUpdate(filled, baseState);
  const fails = throwsOn(new Y.Doc(), update) || throwsOn(filled, update);
  if (fails) throwing++;
  if (fails && accepted(update)) missed.push(Buffer.from(update).toString('base64'));
}
console.log(`${samples.length} honest updates, ${honestRefused} refused (should be 0)`);
console.log(`${mutations} mutations in ${seconds}s: ${decoded} decode, ${throwing} of them throw on an empty or a filled document`);
console.log(`accepted by the checks and still throwing: ${missed.length}${missed.length > 0 ? `\n${missed.slice(0, 10).join('\n')}` : ''}`);
process.exitCode = missed.length > 0 || honestRefused > 0 ? 1 : 0;
