import type { AssistantMessage, UserMessage } from './chatModel'

/**
 * The in-flight run of each session, in sessionStorage (per tab, survives reload): task id, last seq
 * and the partial answer, written together on every event so the rejoin cursor and the text always agree
 * (rejoining after `lastSeq` then appends exactly what is missing — no duplicated text).
 */

export interface StoredRun {
  sessionId: string
  taskId: string
  lastSeq: number
  user: UserMessage
  answer: AssistantMessage
}

const RUN_PREFIX = 'ai.run.'
const CURRENT = 'ai.currentSession'

function storage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}

export function saveRun(run: StoredRun): void {
  storage()?.setItem(RUN_PREFIX + run.sessionId, JSON.stringify(run))
}

export function loadRun(sessionId: string): StoredRun | null {
  const raw = storage()?.getItem(RUN_PREFIX + sessionId)
  if (!raw) return null
  try {
    return JSON.parse(raw) as StoredRun
  } catch {
    return null
  }
}

/** Where to rejoin the session's saved run: after its last seq, or from the start (-1) when none is saved. */
export function savedSeq(sessionId: string | null): number {
  const seq = sessionId ? loadRun(sessionId)?.lastSeq : undefined
  return typeof seq === 'number' ? seq : -1
}

export function clearRun(sessionId: string): void {
  storage()?.removeItem(RUN_PREFIX + sessionId)
}

export function saveCurrentSession(sessionId: string | null): void {
  if (sessionId) storage()?.setItem(CURRENT, sessionId)
  else storage()?.removeItem(CURRENT)
}

export function loadCurrentSession(): string | null {
  return storage()?.getItem(CURRENT) ?? null
}
