import type { Redis } from 'ioredis';
import type { LoginLimiter } from './auth/loginLimiter.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { Queues } from './queues/queues.ts';
import type { DocumentHub } from './realtime/documents/hub.ts';
import type { Notifier } from './realtime/notifier.ts';

/** What every route, socket handler and command is given: the process's long-lived parts. */
export interface AppContext {
  config: Config;
  logger: Logger;
  db: Database;
  redis: Redis;
  queues: Queues;
  loginLimiter: LoginLimiter;
  /** Set once Socket.IO is attached; pushes live events after commit. */
  notify: Notifier;
  /** Set once Socket.IO is attached: the collaborative documents this process holds (null in workers). */
  documents: DocumentHub | null;
}
