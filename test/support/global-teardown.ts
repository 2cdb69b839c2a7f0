import { servicesDown, type Instance } from '../../scripts/lib/local-services.ts';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __startedServices?: Instance[] }).__startedServices ?? [];
  if (started.length > 0) await servicesDown(started, (line) => console.log(line));
}
