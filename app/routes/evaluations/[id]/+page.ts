import type { PageLoad } from './$types';

// The page fetches (and refetches on live events) by itself; the load only names the evaluation.
export const load: PageLoad = ({ params }) => ({ evaluationId: params.id });
