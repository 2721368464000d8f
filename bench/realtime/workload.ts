import { setTimeout as sleep } from 'node:timers/promises';
import { SendLog, Writer, type BenchClient, type ClientOptions } from './client.ts';
import { percentile, watchProcesses } from './stats.ts';

export interface Target {
  name: string;
  /** Server-side processes whose memory and CPU are reported. */
  pids: number[];
  /** Storage processes behind the server (PGlite host, redis-server), reported separately. */
  storagePids?: number[];
  connect: (index: number, documentName: string, onUpdate: ClientOptions['onUpdate']) => BenchClient;
  /** A fresh document name per workload, so runs do not see each other's text. */
  nextDocument: () => string;
}

export interface WorkloadResult {
  target: string;
  clients: number;
  ratePerClient: number;
  sent: number;
  acked: number;
  samples: number;
  p50: number;
  p99: number;
  ackP50: number;
  ackP99: number;
  peakRssMb: number;
  cpuPercent: number;
  /** CPU of the storage processes (NaN when the target has none). */
  storageCpuPercent: number;
  /** CPU of this load driver (all clients) while the workload ran: the clients' cost, same cores. */
  driverCpuPercent: number;
  /** Broadcasts a second one client received (each is one socket write per client, the bulk of a server's CPU). */
  broadcastsPerSecond: number;
}

/** Clients that decode every broadcast for latency; the rest only read their sockets (and skip decoding). */
const SAMPLERS = 10;

/**
 * N clients on one document, each inserting `rate` times a second: `warmupSeconds` unmeasured (the
 * first edits right after N clients joined), then `seconds` measured. Only edits sent after the
 * warm-up count: their propagation and ack latencies, and the processes' CPU meanwhile (peak memory
 * counts the warm-up too).
 */
export async function runWorkload(target: Target, clients: number, rate: number, seconds: number, warmupSeconds = 0): Promise<WorkloadResult> {
  const log = new SendLog();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  let broadcasts = 0;
  let measuring = false;
  const connected: BenchClient[] = [];
  const documentName = target.nextDocument();
  for (let index = 0; index < clients; index++) {
    const sampler = index < SAMPLERS;
    const onUpdate = sampler
      ? (update: Uint8Array) => {
          if (index === 0 && measuring) broadcasts++;
          latencies.push(...log.latencies(update, performance.now()));
        }
      : null;
    connected.push(target.connect(index, documentName, onUpdate));
  }
  await allReady(connected);
  const writers = connected.map((_, index) => new Writer(`paragraph-${index}`));
  let sent = 0;
  let acked = 0;
  // Memory is watched from the first edit (the warm-up's peak counts); CPU over the measured seconds.
  const memoryWatcher = watchProcesses(target.pids);
  const measuredFrom = performance.now() + warmupSeconds * 1000;
  const deadline = measuredFrom + seconds * 1000;
  const measured = sleep(warmupSeconds * 1000).then(() => {
    measuring = true;
    return {
      watcher: watchProcesses(target.pids),
      storageWatcher: watchProcesses(target.storagePids ?? []),
      driverStarted: { cpu: process.cpuUsage(), at: performance.now() },
    };
  });
  const interval = 1000 / rate;
  await Promise.all(
    connected.map(async (client, index) => {
      // Spread the clients' first edits over one interval so they do not all fire at once.
      await sleep(Math.random() * interval);
      const writer = writers[index]!;
      const inFlight: Promise<void>[] = [];
      while (performance.now() < deadline) {
        const started = performance.now();
        const edit = writer.edit();
        const counted = started >= measuredFrom;
        if (counted) {
          log.record(edit.clientId, edit.clock, started);
          sent++;
        }
        inFlight.push(
          client.send(edit.update).then(() => {
            if (!counted) return;
            acked++;
            ackLatencies.push(performance.now() - started);
          }),
        );
        await sleep(Math.max(0, interval - (performance.now() - started)));
      }
      await Promise.race([Promise.all(inFlight), sleep(5_000)]);
    }),
  );
  measuring = false;
  await sleep(500);
  const { watcher, storageWatcher, driverStarted } = await measured;
  const driverCpu = process.cpuUsage(driverStarted.cpu);
  const driverCpuPercent = ((driverCpu.user + driverCpu.system) / 1000 / (performance.now() - driverStarted.at)) * 100;
  const usage = await watcher.stop();
  const storageUsage = await storageWatcher.stop();
  const memory = await memoryWatcher.stop();
  for (const client of connected) client.close();
  await sleep(300);
  return {
    target: target.name,
    clients,
    ratePerClient: rate,
    sent,
    acked,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ackP50: percentile(ackLatencies, 50),
    ackP99: percentile(ackLatencies, 99),
    peakRssMb: Math.max(...memory.map((entry) => entry.peakRssMb)),
    cpuPercent: usage.reduce((sum, entry) => sum + entry.cpuPercent, 0),
    storageCpuPercent: storageUsage.length > 0 ? storageUsage.reduce((sum, entry) => sum + entry.cpuPercent, 0) : Number.NaN,
    driverCpuPercent,
    broadcastsPerSecond: broadcasts / seconds,
  };
}

/** `clients` clients connecting at once: time until every one has synced. */
export async function runConnectStorm(target: Target, clients: number): Promise<{ target: string; clients: number; ms: number; peakRssMb: number }> {
  const watcher = watchProcesses(target.pids);
  const documentName = target.nextDocument();
  const started = performance.now();
  const connected = Array.from({ length: clients }, (_, index) => target.connect(index, documentName, null));
  await allReady(connected);
  const ms = performance.now() - started;
  const usage = await watcher.stop();
  for (const client of connected) client.close();
  await sleep(300);
  return { target: target.name, clients, ms, peakRssMb: Math.max(...usage.map((entry) => entry.peakRssMb)) };
}

/** Waits for every client's initial sync, failing (instead of hanging) when a server never answers. */
async function allReady(clients: readonly BenchClient[], timeoutMs = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('clients did not sync in time')), timeoutMs)));
  try {
    await Promise.race([Promise.all(clients.map((client) => client.ready)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
