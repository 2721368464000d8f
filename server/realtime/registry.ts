import type { Socket } from 'socket.io';
import { z } from 'zod';
import { AppError, errors } from '../../shared/errors.ts';
import type { Ack } from '../../shared/realtime/events.ts';
import type { AppContext } from '../context.ts';
import type { SocketData } from './auth.ts';
import { authorize } from '../auth/authorize.ts';
import { attachDocumentLifecycle, documentHandlers } from './documents/handlers.ts';
import { evaluationRoomHandlers } from './evaluationRoom.ts';
import { defineHandler, type SocketHandler } from './handler.ts';
import { rooms } from './rooms.ts';

/** Every client event, by name: schema + handler (which authorizes through the shared policy). */
export const socketHandlers = {
  'dashboard.watch': defineHandler({
    schema: z.strictObject({}).optional(),
    handle: async ({ socket, data }) => {
      authorize(data.session.user, 'dashboard.watch', null);
      await socket.join(rooms.dashboard);
      return { room: rooms.dashboard };
    },
  }),
  ...evaluationRoomHandlers,
  ...documentHandlers,
};

/** Wires every registered handler onto a socket: validate → handle → ack, errors as error acks. */
export function registerSocketHandlers(app: AppContext, socket: Socket): void {
  attachDocumentLifecycle(app, socket);
  for (const [event, handler] of Object.entries(socketHandlers) as [string, SocketHandler<unknown, unknown>][]) {
    socket.on(event, async (payload: unknown, ack?: Ack<unknown>) => {
      const reply: Ack<unknown> = typeof ack === 'function' ? ack : () => {};
      try {
        const parsed = handler.schema.safeParse(payload);
        if (!parsed.success) {
          throw errors.validation(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
        }
        const data = socket.data as SocketData;
        const result = await handler.handle({ app, socket, data, payload: parsed.data });
        reply({ ok: true, data: result });
      } catch (error) {
        if (!(error instanceof AppError)) app.logger.error({ err: error, event }, 'socket handler failed');
        reply({ ok: false, error: (error instanceof AppError ? error : errors.internal()).toBody() });
      }
    });
  }
}
