import type { PageLoad } from './$types';

// The page fetches the record itself (client-rendered); the load only names it.
export const load: PageLoad = ({ params }) => ({ recommendationId: params.id });
