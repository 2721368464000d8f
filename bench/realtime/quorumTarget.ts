import { worksheetDocumentId } from '../../shared/realtime/documents.ts';
import { connectQuorum } from './quorumClient.ts';
import { startQuorumStack } from './quorumStack.ts';
import type { Target } from './workload.ts';

/** Starts Quorum (server process + PGlite host + redis-server) with `reviewers` panelists on `documents` worksheets. */
export async function startQuorumTarget(reviewers: number, documents: number): Promise<Target & { stop: () => Promise<void> }> {
  const stack = await startQuorumStack(reviewers, documents);
  let used = 0;
  return {
    name: 'quorum',
    pids: [stack.serverPid],
    storagePids: stack.storagePids,
    nextDocument: () => {
      const evaluationId = stack.evaluationIds[used++];
      if (!evaluationId) throw new Error('no benchmark worksheet left');
      return worksheetDocumentId(evaluationId);
    },
    connect: (index, documentName, onUpdate) =>
      connectQuorum({ url: stack.url, cookie: stack.cookies[index % stack.cookies.length]!, documentId: documentName, onUpdate }),
    stop: stack.stop,
  };
}
