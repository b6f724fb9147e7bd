/**
 * Reconnect delay, shaped like LangGraph SDK's: min(base·2^(n-1), cap) + random jitter, so a fleet of
 * clients dropped by one draining gateway does not come back in lockstep.
 */
export interface BackoffOptions {
  baseMs: number
  capMs: number
  jitterMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 5000, jitterMs: 1000 }

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, attempt)
  return Math.min(opts.baseMs * 2 ** (n - 1), opts.capMs) + random() * opts.jitterMs
}
