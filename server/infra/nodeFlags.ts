/**
 * V8 flags the launcher gives server and worker processes (and the benchmark gives both servers it
 * measures). On a machine with lots of memory V8 sizes the young generation for it (semi-spaces of
 * up to 32–64 MB), and a busy Socket.IO process then holds 250–300 MB it does not need; 4 MB
 * semi-spaces cut resident memory by about 110 MB at 200 connected clients with no loss in latency
 * (with pretenuring on, below, smaller semi-spaces had raised the peak; without it 4 MB holds
 * 8–10 MB less than 8 MB at the same p99, and 2 MB costs CPU and p99 for 3–5 MB more).
 * Under steady load V8 also lets old space grow to about twice the live heap before collecting;
 * a 25% growing step keeps a busy server's peak 40–60 MB lower, with no measurable cost in CPU or
 * latency (see README, "Benchmarks").
 *
 * Allocation-site pretenuring is off. With it, the objects Engine.IO creates per socket per
 * broadcast (packets, write-buffer and callback arrays) ended up in old space (80% of what got
 * there, by the sampling heap profiler), where they die milliseconds later: old space
 * filled with garbage at ~9 MB/s in a 200-client room and a mark-compact (5–20 ms of pauses) ran
 * every second — the propagation p99. Without it they die young in the scavenger: mark-compacts
 * drop from ~1/s to a few a minute, server CPU by 5–10 points, p99 by about a third (README,
 * "Benchmarks"). QUORUM_NODE_FLAGS replaces the list (empty string: none).
 */
export const defaultNodeFlags = ['--max-semi-space-size=4', '--heap-growing-percent=25', '--no-allocation-site-pretenuring'];

export function nodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = env.QUORUM_NODE_FLAGS;
  if (configured === undefined) return defaultNodeFlags;
  return configured.split(/\s+/).filter(Boolean);
}
