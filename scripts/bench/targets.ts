export interface TargetCheck {
  id: string;
  description: string;
  comparison: '>=' | '<=' | '<';
  target: number;
  measured: number;
  unit: string;
  met: boolean;
  /** When missed: how far the measurement falls short of the target, in percent of the target. */
  missedBy?: number;
}

/** Compares a measurement to its target; a missing measurement (NaN) never meets it. */
export function check(id: string, description: string, comparison: TargetCheck['comparison'], target: number, measured: number, unit: string): TargetCheck {
  const rounded = Math.round(measured * 1000) / 1000;
  const met =
    Number.isFinite(measured) &&
    (comparison === '>=' ? measured >= target : comparison === '<=' ? measured <= target : measured < target);
  const result: TargetCheck = { id, description, comparison, target, measured: rounded, unit, met };
  if (!met) {
    const gap = comparison === '>=' ? target - measured : measured - target;
    result.missedBy = Number.isFinite(gap) ? Math.round((Math.max(0, gap) / target) * 1000) / 10 : 100;
  }
  return result;
}
