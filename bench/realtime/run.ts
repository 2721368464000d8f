import { nodeFlags } from '../../server/infra/nodeFlags.ts';
import { startHocuspocusTarget } from './hocuspocusTarget.ts';
import { quorumClientKind } from './quorumClient.ts';
import { startQuorumTarget } from './quorumTarget.ts';
import { runConnectStorm, runWorkload, type Target, type WorkloadResult } from './workload.ts';

// `npm run bench:realtime`: the same workloads against Quorum and Hocuspocus 4.7, in one run.
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
// BENCH_WORKLOADS narrows the run, e.g. `200x6` or `50x1,200x6`; BENCH_STORM=0 skips the connect storm.
const workloads = (process.env.BENCH_WORKLOADS ?? '50x1,50x6,200x1,200x6').split(',').map((spec) => {
  const [clients, rate] = spec.trim().split('x').map(Number);
  if (!Number.isInteger(clients) || !(rate! > 0)) throw new Error(`BENCH_WORKLOADS: "${spec}" is not <clients>x<inserts per second>`);
  return { clients: clients!, rate: rate! };
});
const STORM = Number(process.env.BENCH_STORM ?? 200);

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

async function measure(target: Target): Promise<{ results: WorkloadResult[]; storm: Awaited<ReturnType<typeof runConnectStorm>> | null }> {
  const results: WorkloadResult[] = [];
  for (const { clients, rate } of workloads) {
    console.error(`[bench] ${target.name}: ${clients} clients × ${rate}/s for ${seconds}s`);
    results.push(await runWorkload(target, clients, rate, seconds));
  }
  if (STORM <= 0) return { results, storm: null };
  console.error(`[bench] ${target.name}: connect storm of ${STORM}`);
  return { results, storm: await runConnectStorm(target, STORM) };
}

const quorum = await startQuorumTarget(Math.max(STORM, ...workloads.map((workload) => workload.clients)), workloads.length + 1);
const ours = await measure(quorum);
await quorum.stop();
const hocuspocus = await startHocuspocusTarget();
const theirs = await measure(hocuspocus);
await hocuspocus.stop();

console.log(`\nRealtime benchmark — ${seconds}s per workload, one worksheet per workload, propagation sampled on 10 receivers`);
console.log('Quorum acks after the update is stored in PostgreSQL; Hocuspocus acks (SyncStatus) after applying it in memory.');
console.log(`Both servers run under node ${process.version} with V8 flags: ${nodeFlags().join(' ') || '(none)'}.`);
console.log(`Quorum's clients: ${quorumClientKind === 'wire' ? 'minimal Socket.IO wire client' : 'socket.io-client'} over WebSocket; Hocuspocus's: minimal protocol client over WebSocket.`);
console.log("RSS and CPU are the server process's; storage CPU is Quorum's PGlite host + redis-server (Hocuspocus stores nothing).\n");
console.log('| workload | server | sent | acked | p50 ms | p99 ms | ack p50 ms | ack p99 ms | peak RSS MB | CPU % | storage CPU % | p99 ratio (quorum/hocuspocus) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
ours.results.forEach((mine, index) => {
  const reference = theirs.results[index]!;
  for (const row of [mine, reference]) {
    const ratio = row === mine ? fmt(mine.p99 / reference.p99, 2) : '';
    console.log(
      `| ${row.clients} × ${row.ratePerClient}/s | ${row.target} | ${row.sent} | ${row.acked} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.ackP50)} | ${fmt(row.ackP99)} | ${fmt(row.peakRssMb, 0)} | ${fmt(row.cpuPercent, 0)} | ${fmt(row.storageCpuPercent, 0)} | ${ratio} |`,
    );
  }
});
if (ours.storm && theirs.storm) {
  console.log(`\nConnect storm (${STORM} clients at once, until every one has synced):`);
  for (const storm of [ours.storm, theirs.storm]) console.log(`- ${storm.target}: ${fmt(storm.ms, 0)} ms, peak RSS ${fmt(storm.peakRssMb, 0)} MB`);
}
process.exit(0);
