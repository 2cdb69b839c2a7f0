import { servicesDown, type Instance } from '../../scripts/lib/local-services.ts';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as {
    __startedServices?: Instance[];
    __startedCluster?: Instance[];
    __releaseCluster?: () => { othersRunning: boolean };
  };
  const started = [...(state.__startedServices ?? [])];
  // The cluster this run started stays up while another run (another checkout) still uses it; `npm run services --
  // down` in this checkout stops it later.
  const { othersRunning } = state.__releaseCluster?.() ?? { othersRunning: false };
  if (othersRunning && (state.__startedCluster ?? []).length > 0)
    console.log('Redis Cluster: left running, another test run uses it');
  else started.push(...(state.__startedCluster ?? []));
  if (started.length > 0) await servicesDown(started, (line) => console.log(line));
}
