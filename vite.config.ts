import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// In `npm run dev`, Vite serves the pages and proxies the API and Socket.IO to the dev server.
const apiTarget = process.env.QUORUM_DEV_API ?? 'http://127.0.0.1:3001';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // Host as the browser sent it (the string shorthand would rewrite it to the API's): the server
    // takes a state-changing request only from a page of the host it was sent to.
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget, changeOrigin: false },
      '/readyz': { target: apiTarget, changeOrigin: false },
      '/socket.io': { target: apiTarget, ws: true, changeOrigin: false },
    },
  },
});
