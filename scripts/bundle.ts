import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

/**
 * Bundles the server and worker processes into dist/server.mjs and dist/worker.mjs (part of
 * `npm run build`; `npm start` runs them). One file per process loads in a fraction of the time
 * and memory of hundreds of TypeScript modules: Node strips types file by file and re-reads large
 * package manifests (drizzle-orm's is 180 kB) for every module it resolves, which left a server
 * process holding about 50 MB more at rest. `npm run dev` runs the sources; the tests import the
 * sources and run these bundles (rebuilt by their global setup) where they need whole processes.
 *
 * Paths the code resolves from its own location stay valid: dist/ sits beside server/, so
 * `../build/handler.js` (the SvelteKit pages) still points at build/, and the migrations are
 * copied to dist/migrations, where `./migrations` now points.
 */
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outdir = join(root, 'dist');

export async function bundle(): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { server: join(root, 'server/main.ts'), worker: join(root, 'workers/main.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    // V8 keeps each script's source text for the life of the process: without comments and
    // whitespace it is 30% smaller, and all-ASCII text (esbuild escapes the rest) takes one byte
    // per character instead of two (~8 MB less at rest). Names are kept for stack traces and logs.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    // A native addon (loaded from node_modules at run time) and pg's optional native binding.
    external: ['@node-rs/argon2', 'pg-native'],
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __quorumCreateRequire } from 'node:module'; const require = __quorumCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  }).finally(() => stop()); // esbuild's service process would stay alive beside the launcher, ~250 MB
  cpSync(join(root, 'server/db/migrations'), join(outdir, 'migrations'), { recursive: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundle();
