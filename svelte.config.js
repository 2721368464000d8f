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
    // Scripts only from the console itself (SvelteKit puts a nonce on its inline bootstrap); styles
    // may be inline because Svelte and the editor set style attributes at run time; Socket.IO's
    // WebSocket is same-origin ('self'); nothing may frame the console.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'font-src': ['self', 'data:'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
