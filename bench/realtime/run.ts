import { nodeFlags } from '../../server/infra/nodeFlags.ts';
import { startHocuspocusTarget } from './hocuspocusTarget.ts';
import { quorumClientKind } from './quorumClient.ts';
import { startQuorumTarget } from './quorumTarget.ts';
import { runConnectStorm, runWorkload, type Target, type WorkloadResult } from './workload.ts';

// `npm run bench:realtime`: the same workloads against Quorum and Hocuspocus 4.7, in one run.
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
// Each workload first runs BENCH_WARMUP_SECONDS unmeasured: the first edits right after N clients
// joined at once land on a server still busy with the joins (what the connect storm measures).
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
// BENCH_WORKLOADS narrows the run, e.g. `200x6` or `50x1,200x6`; BENCH_STORM=0 skips the connect storm.
const workloads = (process.env.BENCH_WORKLOADS ?? '50x1,50x6,200x1,200x6').split(',').map((spec) => {
  const [clients, rate] = spec.trim().split('x').map(Number);
  if (!Number.isInteger(clients) || !(rate! > 0)) throw new Error(`BENCH_WORKLOADS: "${spec}" is not <clients>x<inserts per second>`);
  return { clients: clients!, rate: rate! };
});
const STORM = Number(process.env.BENCH_STORM ?? 200);
// Every workload runs BENCH_ROUNDS times on both servers (default 3) and the median p99 ratio is
// reported: a single 15 s round's p99 ratio varies by ±50% from run to run on a shared machine.
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 3)));

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

// Both servers stay up for the whole run (an idle one costs nothing) and take turns workload by
// workload, the first to go alternating by round, so a drift in the machine's load hits both alike.
const quorum = await startQuorumTarget(Math.max(STORM, ...workloads.map((workload) => workload.clients)), workloads.length * ROUNDS + 1);
const hocuspocus = await startHocuspocusTarget();
const pairs: { round: number; ours: WorkloadResult; theirs: WorkloadResult }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const { clients, rate } of workloads) {
    const order: Target[] = round % 2 === 1 ? [quorum, hocuspocus] : [hocuspocus, quorum];
    const results = new Map<Target, WorkloadResult>();
    for (const target of order) {
      console.error(`[bench] round ${round}: ${target.name}: ${clients} clients × ${rate}/s for ${seconds}s`);
      results.set(target, await runWorkload(target, clients, rate, seconds, warmup));
    }
    pairs.push({ round, ours: results.get(quorum)!, theirs: results.get(hocuspocus)! });
  }
}
const storms: Awaited<ReturnType<typeof runConnectStorm>>[] = [];
if (STORM > 0) {
  for (const target of [quorum, hocuspocus]) {
    console.error(`[bench] ${target.name}: connect storm of ${STORM}`);
    storms.push(await runConnectStorm(target, STORM));
  }
}
await Promise.all([quorum.stop(), hocuspocus.stop()]);

console.log(`\nRealtime benchmark — ${seconds}s per workload after ${warmup}s of warm-up${ROUNDS > 1 ? `, ${ROUNDS} rounds` : ''}, one worksheet per workload, propagation sampled on 10 receivers`);
console.log('Quorum acks after the update is stored in PostgreSQL; Hocuspocus acks (SyncStatus) after applying it in memory.');
console.log(`Both servers run under node ${process.version} with V8 flags: ${nodeFlags().join(' ') || '(none)'}.`);
console.log(`Quorum's clients: ${quorumClientKind === 'wire' ? 'minimal Socket.IO wire client' : 'socket.io-client'} over WebSocket; Hocuspocus's: minimal protocol client over WebSocket.`);
console.log("RSS and CPU are the server process's; storage CPU is Quorum's PGlite host + redis-server (Hocuspocus stores nothing); driver CPU is this load driver's (all clients, same cores).\n");
console.log('| workload | server | sent | acked | p50 ms | p99 ms | ack p50 ms | ack p99 ms | broadcasts/s | peak RSS MB | CPU % | storage CPU % | driver CPU % | p99 ratio (quorum/hocuspocus) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const { round, ours, theirs } of pairs) {
  const label = `${ours.clients} × ${ours.ratePerClient}/s${ROUNDS > 1 ? ` (round ${round})` : ''}`;
  for (const row of [ours, theirs]) {
    const ratio = row === ours ? fmt(ours.p99 / theirs.p99, 2) : '';
    console.log(
      `| ${label} | ${row.target} | ${row.sent} | ${row.acked} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.ackP50)} | ${fmt(row.ackP99)} | ${fmt(row.broadcastsPerSecond, 0)} | ${fmt(row.peakRssMb, 0)} | ${fmt(row.cpuPercent, 0)} | ${fmt(row.storageCpuPercent, 0)} | ${fmt(row.driverCpuPercent, 0)} | ${ratio} |`,
    );
  }
}
if (ROUNDS > 1) {
  console.log('\nMedian p99 ratio (quorum/hocuspocus) over the rounds:');
  for (const { clients, rate } of workloads) {
    const ratios = pairs.filter(({ ours }) => ours.clients === clients && ours.ratePerClient === rate).map(({ ours, theirs }) => ours.p99 / theirs.p99);
    console.log(`- ${clients} × ${rate}/s: ${fmt(median(ratios), 2)} (rounds: ${ratios.map((ratio) => fmt(ratio, 2)).join(', ')})`);
  }
}
if (storms.length === 2) {
  console.log(`\nConnect storm (${STORM} clients at once, until every one has synced):`);
  for (const storm of storms) console.log(`- ${storm.target}: ${fmt(storm.ms, 0)} ms, peak RSS ${fmt(storm.peakRssMb, 0)} MB`);
}
process.exit(0);
