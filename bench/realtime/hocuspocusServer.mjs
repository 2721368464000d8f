import { Server } from '@hocuspocus/server';

// The reference server for `npm run bench:realtime`: Hocuspocus 4.7 with its default configuration
// (documents in memory, no persistence extension), on a free loopback port. Plain JavaScript, as
// Quorum's server runs from its bundle: a `.ts` entry would make Node load its TypeScript stripper
// (~17 MB of RSS) into the process whose memory is measured.
const server = new Server({ port: 0, address: '127.0.0.1', quiet: true });
await server.listen();
process.send?.({ type: 'ready', port: server.address.port });
process.on('SIGTERM', () => void server.destroy().then(() => process.exit(0)));
