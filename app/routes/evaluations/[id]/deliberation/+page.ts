import type { PageLoad } from './$types';

// Client-rendered: the page fetches the review itself; the load only names the evaluation.
export const load: PageLoad = ({ params }) => ({ evaluationId: params.id });
