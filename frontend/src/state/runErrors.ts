import { ApiError } from '../api/apiError'
import type { StreamOutcome } from '../api/taskStream'
import type { UiError } from './chatModel'

/**
 * Error mapping: what an HTTP error, an unreachable server, or the way a run's stream ended means for
 * the user (the message shown in place) and for the chat (forget the stored run? ask for credentials?).
 */

export function toUiError(error: unknown): UiError {
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 403) return { kind: 'auth', message: 'The API key or sign-in was rejected. Enter valid credentials.' }
    if (error.status === 429 || error.status === 503) {
      const busy = error.status === 429 ? 'Too many requests' : 'The service is busy'
      return { kind: 'limited', message: busy, retryAfterS: error.retryAfterS ?? 5, at: Date.now() }
    }
    if (error.status === 409) return { kind: 'request', message: 'This conversation is still answering a previous message.' }
    if (error.status === 404) return { kind: 'request', message: 'This conversation no longer exists. Start a new chat.' }
    return { kind: 'request', message: error.detail }
  }
  return { kind: 'connection', message: 'Could not reach the server.' }
}

export interface RunEnd {
  /** Shown on the answer (the run failed as far as this tab can tell). */
  error?: UiError
  /** The stored run can never be rejoined: drop it. */
  forget: boolean
  /** The credentials were rejected: ask for new ones. */
  needKey: boolean
  /** The conversation changed on the server (a turn was recorded): refresh the session list. */
  sessionsChanged: boolean
}

/** What the end of reading a run (`outcome`, or the error `begin` threw) means. */
export function runEnd(outcome: StreamOutcome | { kind: 'threw'; error: unknown }): RunEnd {
  const none = { forget: false, needKey: false, sessionsChanged: false }
  switch (outcome.kind) {
    case 'terminal':
      return { ...none, forget: true, sessionsChanged: true }
    case 'aborted':
      return none
    case 'gone':
      return { ...none, forget: true, error: { kind: 'gone', message: 'This answer is no longer available to resume.' } }
    case 'lost': {
      const e = outcome.error
      if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
        return { ...none, forget: true, needKey: e.status === 401, error: toUiError(e) }
      }
      return { ...none, error: { kind: 'connection', message: 'The connection was lost.' } }
    }
    case 'threw': {
      const error = toUiError(outcome.error)
      return { ...none, needKey: error.kind === 'auth', error }
    }
  }
}

/** What a failed reopening of a session means: `gone` (404: forget it and its saved run), `rejected`
 *  (401: ask for credentials), or nothing to do (the view stays empty). */
export function openFailure(error: unknown): 'gone' | 'rejected' | null {
  if (error instanceof ApiError && error.status === 404) return 'gone'
  if (error instanceof ApiError && error.status === 401) return 'rejected'
  return null
}
