import { startEmbeddedPostgres } from '../../server/db/embeddedPostgres.ts';

// PGlite behind the wire protocol in its own process, so the benchmark reports its cost separately.
const embedded = await startEmbeddedPostgres();
process.send?.({ type: 'ready', url: embedded.url });
process.on('SIGTERM', () => void embedded.stop().then(() => process.exit(0)));
