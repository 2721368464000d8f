// The console is a client-rendered SPA: the Express server in server/ owns the API and sessions.
export const ssr = false;
export const prerender = false;
