import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    adapter: adapter({ out: 'build' }),
    files: { src: 'app', lib: 'app/lib', routes: 'app/routes', appTemplate: 'app/app.html', assets: 'app/static' },
    alias: { $shared: 'shared' },
    // The Express server in server/ enforces CSRF for /api; pages are client-rendered.
    csrf: { trustedOrigins: [] },
  },
};

export default config;
