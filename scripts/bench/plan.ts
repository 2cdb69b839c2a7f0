/** How much of each measurement the run makes; every loop is bounded by these counts and times. */
export const PLAN = {
  linkedUsers: 20,
  tokenConcurrency: 16,
  codeBatch: 250,
  codeSecondsEach: 3,
  maxCodeRounds: 40,
  refreshChains: 16,
  refreshRounds: 2,
  refreshSecondsPerRound: 2.5,
  // 1: a login's latency on an otherwise idle setup; the best rate of all levels is the maximum.
  loginConcurrencies: [1, 4, 8, 16],
  loginSecondsPerLevel: 3,
  pacedSeconds: 10,
  pacedMaxInFlight: 64,
  footprintLogins: 200,
  profileSeconds: 1.5,
  // The whole run must end well within 3 minutes; past this it stops, cleans up and fails.
  watchdogSeconds: 165,
} as const;

export type Log = (message: string) => void;
