/** Percentile of a sample (nearest-rank); NaN for an empty sample. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface ProcessSample {
  rssMb: number;
  cpuSeconds: number;
}

const CLOCK_TICKS = 100;

/** Reads a process's resident memory and CPU time from /proc (Linux). */
export async function sampleProcess(pid: number): Promise<ProcessSample | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { rssMb: rssKb / 1024, cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/** Samples processes while a workload runs: peak RSS and CPU used, per pid. */
export function watchProcesses(pids: readonly number[], intervalMs = 250) {
  const peak = new Map<number, number>();
  const first = new Map<number, ProcessSample>();
  const last = new Map<number, ProcessSample>();
  const startedAt = Date.now();
  const tick = async () => {
    for (const pid of pids) {
      const sample = await sampleProcess(pid);
      if (!sample) continue;
      if (!first.has(pid)) first.set(pid, sample);
      last.set(pid, sample);
      peak.set(pid, Math.max(peak.get(pid) ?? 0, sample.rssMb));
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await tick();
      const seconds = (Date.now() - startedAt) / 1000;
      return pids.map((pid) => ({
        pid,
        peakRssMb: peak.get(pid) ?? Number.NaN,
        cpuPercent: ((last.get(pid)?.cpuSeconds ?? 0) - (first.get(pid)?.cpuSeconds ?? 0)) / seconds * 100,
      }));
    },
  };
}
