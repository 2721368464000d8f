/** Room names in one place, so emitters and joiners cannot drift apart. */
export const rooms = {
  dashboard: 'dashboard',
  user: (userId: string) => `user:${userId}`,
  session: (tokenHash: string) => `session:${tokenHash}`,
  evaluation: (evaluationId: string) => `evaluation:${evaluationId}`,
  /** A collaborative document's room (e.g. `doc:worksheet:<evaluationId>`). */
  document: (documentId: string) => `doc:${documentId}`,
};
