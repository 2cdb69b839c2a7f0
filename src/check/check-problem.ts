/** Something the broker will need that is missing or wrong, with the exact change that fixes it. */
export interface CheckProblem {
  /** The configuration key (or service) at fault, as an operator finds it in the file. */
  readonly key: string;
  readonly problem: string;
  readonly fix: string;
}

/** One line per problem: what is wrong, then what to write or run instead. */
export function formatProblem({ key, problem, fix }: CheckProblem): string {
  return `${key}: ${problem} -> fix: ${fix}`;
}
