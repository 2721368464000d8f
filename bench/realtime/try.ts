import { startQuorumTarget } from './quorumTarget.ts';
import { runWorkload } from './workload.ts';
const t = await startQuorumTarget(200, 3);
const r = await runWorkload(t, 50, 1, 4); console.log('quorum 50x1', r.p50.toFixed(1), r.p99.toFixed(1), r.ackP50.toFixed(1), r.peakRssMb.toFixed(0), r.cpuPercent.toFixed(0));
const r2 = await runWorkload(t, 200, 6, 5); console.log('quorum 200x6', r2.sent, r2.acked, r2.p50.toFixed(1), r2.p99.toFixed(1), r2.ackP50.toFixed(1), r2.peakRssMb.toFixed(0), r2.cpuPercent.toFixed(0));
await t.stop();
process.exit(0);
