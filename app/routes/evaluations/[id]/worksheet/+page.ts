import type { PageLoad } from './$types';

// The page loads the worksheet's facts over REST and its live document over Socket.IO.
export const load: PageLoad = ({ params }) => ({ evaluationId: params.id });
