import type { PageLoad } from './$types';

// Client-rendered: the page fetches the course itself; the load only names it.
export const load: PageLoad = ({ params }) => ({ courseId: params.id });
