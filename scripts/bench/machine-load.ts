import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

interface CpuTimes {
  total: number;
  idle: number;
  steal: number;
}

function readCpuTimes(): CpuTimes | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const at = (i: number) => fields[i] ?? 0;
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), idle: at(3) + at(4), steal: at(7) };
  } catch {
    return undefined;
  }
}

export interface MachineLoad {
  /** All cores, over one second before the run began: near 0 on an otherwise idle machine. */
  busyBeforeStartPercent?: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  /** Over the run, all cores: busy time (this benchmark, Redis, FerretDB and anything else) and time stolen by the hypervisor. */
  busyPercent?: number;
  /** Of that, this process (all cores = 100%); the rest is Redis, the MongoDB-wire server and anything else. */
  thisProcessPercent?: number;
  stealPercent?: number;
}

function busyPercent(start: CpuTimes, end: CpuTimes): number | undefined {
  const total = end.total - start.total;
  return total > 0 ? Math.round((1 - (end.idle - start.idle) / total) * 1000) / 10 : undefined;
}

/**
 * How busy the machine was before and during the run (numbers of a run on a busier or slower machine differ):
 * samples the CPU counters for `idleCheckMs` first, then returns a function that reports on the run so far.
 */
export async function watchMachineLoad(idleCheckMs = 1000): Promise<() => MachineLoad> {
  const before = readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, idleCheckMs));
  const start = readCpuTimes();
  const loadAtStart = loadavg()[0] ?? 0;
  const processStart = process.cpuUsage();
  const wallStart = performance.now();
  const busyBefore = before && start ? busyPercent(before, start) : undefined;
  return () => {
    const end = readCpuTimes();
    const load: MachineLoad = { loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg()[0] ?? 0 };
    if (busyBefore !== undefined) load.busyBeforeStartPercent = busyBefore;
    const used = process.cpuUsage(processStart);
    const wallMs = performance.now() - wallStart;
    load.thisProcessPercent = Math.round(((used.user + used.system) / 1000 / wallMs / cpus().length) * 1000) / 10;
    if (start && end && end.total > start.total) {
      load.busyPercent = busyPercent(start, end);
      load.stealPercent = Math.round(((end.steal - start.steal) / (end.total - start.total)) * 1000) / 10;
    }
    return load;
  };
}
