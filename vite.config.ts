import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// In `npm run dev`, Vite serves the pages and proxies the API and Socket.IO to the dev server.
const apiTarget = process.env.QUORUM_DEV_API ?? 'http://127.0.0.1:3001';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      '/api': apiTarget,
      '/healthz': apiTarget,
      '/readyz': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
});
