// Runs before `npm start` / `npm test` on whatever node the machine has (it may be older than 24):
// installs npm dependencies when they are missing or stale, and the Debian packages Quorum needs.
// Plain JavaScript on purpose: TypeScript runs only once node_modules/.bin/node (Node 24) exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';

function say(line) {
  console.log(`[quorum] ${line}`);
}

function npmDependenciesStale() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || !existsSync(join(root, 'node_modules', '.bin', 'node'))) return true;
  const lock = join(root, 'package-lock.json');
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs;
}

function has(command, args = ['--version']) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function aptInstall(packages) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get', ['--version'])) return false;
  say(`installing Debian packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  return install.status === 0;
}

if (npmDependenciesStale()) {
  say('installing npm dependencies (first run takes a minute)…');
  execFileSync('npm', [existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
}

const needed = [];
if ((mode === 'test' || !process.env.REDIS_URL) && !has('redis-server')) needed.push({ pkg: 'redis-server', bin: 'redis-server' });
if (mode === 'test' && !existsSync('/usr/bin/chromium')) needed.push({ pkg: 'chromium', bin: '/usr/bin/chromium' });
if (mode === 'test' && !has('pdftoppm', ['-v'])) needed.push({ pkg: 'poppler-utils', bin: 'pdftoppm' });

if (needed.length > 0 && !aptInstall(needed.map((item) => item.pkg))) {
  const missing = needed.map((item) => item.pkg).join(' ');
  console.error(`[quorum] missing ${missing}: install it with \`sudo apt-get install -y ${missing}\`${mode === 'start' ? ' or set REDIS_URL to a running Redis' : ''}.`);
  process.exit(1);
}
