import type { Socket } from 'socket.io';
import { errors } from '../../../shared/errors.ts';
import { docAwarenessSchema, docJoinSchema, docLeaveSchema, docUpdateSchema } from '../../../shared/realtime/documents.ts';
import type { AppContext } from '../../context.ts';
import { defineHandler } from '../handler.ts';
import { rooms } from '../rooms.ts';
import type { DocumentHub } from './hub.ts';

function hubOf(app: AppContext): DocumentHub {
  if (!app.documents) throw errors.unavailable('Collaborative documents are not available on this server.');
  return app.documents;
}

/** The socket events of collaborative documents (see shared/realtime/documents.ts for the contract). */
export const documentHandlers = {
  'doc.join': defineHandler({
    schema: docJoinSchema,
    handle: ({ app, socket, payload }) => hubOf(app).join(socket, payload.documentId, payload.sync?.stateVector, payload.clientId),
  }),
  'doc.update': defineHandler({
    schema: docUpdateSchema,
    handle: async ({ app, socket, payload }) => {
      await hubOf(app).update(socket, payload.documentId, payload.sync.update, payload.sync.type);
      return { clientUpdateId: payload.clientUpdateId };
    },
  }),
  'doc.awareness': defineHandler({
    schema: docAwarenessSchema,
    handle: async ({ app, socket, payload }) => {
      hubOf(app).awareness(socket, payload.documentId, payload.update);
      return null;
    },
  }),
  'doc.leave': defineHandler({
    schema: docLeaveSchema,
    handle: async ({ app, socket, payload }) => {
      hubOf(app).leave(socket, payload.documentId);
      return null;
    },
  }),
};

/**
 * Connection hooks: a socket restored by connection state recovery comes back in its old rooms, but
 * document rooms must be re-joined through the policy check, so it leaves them; a socket that
 * disconnects leaves every document (and its presence is cleared).
 */
export function attachDocumentLifecycle(app: AppContext, socket: Socket): void {
  if (socket.recovered) {
    for (const room of socket.rooms) if (room.startsWith(rooms.document(''))) void socket.leave(room);
  }
  socket.on('disconnect', () => app.documents?.leaveAll(socket));
}
