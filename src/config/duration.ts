const UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const isUnit = (unit: string | undefined): unit is keyof typeof UNITS_MS => unit !== undefined && unit in UNITS_MS;

/** Parses a duration written as `90s`, `15m`, `1h` or `2d` into milliseconds; returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const { amount, unit } = /^(?<amount>\d+)\s*(?<unit>[smhd])$/.exec(text.trim())?.groups ?? {};
  if (amount === undefined || !isUnit(unit)) return undefined;
  return Number(amount) * UNITS_MS[unit];
}
