import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { SocketData } from './auth.ts';

/** One client event: the schema its payload must pass and the handler whose result is the ack. */
export interface SocketHandler<Payload, Result> {
  schema: z.ZodType<Payload, unknown>;
  handle: (context: { app: AppContext; socket: Socket; data: SocketData; payload: Payload }) => Promise<Result>;
}

/** Declares a socket handler with its payload and result types inferred. */
export function defineHandler<Payload, Result>(handler: SocketHandler<Payload, Result>): SocketHandler<Payload, Result> {
  return handler;
}
