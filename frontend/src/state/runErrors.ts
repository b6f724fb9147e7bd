import { ApiError } from '../api/apiError'
import type { Refusal } from '../api/generated/wire'
import type { StreamOutcome } from '../api/taskStream'
import type { UiError } from './chatModel'

/**
 * Error mapping: what an HTTP error, an unreachable server, or the way a run's stream ended means for
 * the user (the message shown in place) and for the chat (forget the stored run? ask for credentials?).
 */

/** What each `limit` of a 429 means, in plain words (the notice adds the wait from Retry-After).
 *  `satisfies` makes the compiler flag a limit the backend added or dropped. */
export const LIMIT_MESSAGES = {
  user_rate: 'You have started too many chats in a short time',
  key_rate: "This API key's chat limit is used up for now",
  user_streams: 'You have too many answers streaming at once; wait for one to finish',
  key_streams: 'This API key has too many answers streaming at once; wait for one to finish',
  share_rate: 'Too many shared conversations were opened from this address in a short time',
} satisfies Record<Refusal['limit'], string>

/** The sentence for the limit a 429 names; a limit this UI does not know (a newer server) is generic. */
export function limitMessage(limit: unknown): string {
  return typeof limit === 'string' && Object.hasOwn(LIMIT_MESSAGES, limit) ? LIMIT_MESSAGES[limit as Refusal['limit']] : 'Too many requests'
}

export function toUiError(error: unknown): UiError {
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 403) return { kind: 'auth', message: 'The API key or sign-in was rejected. Enter valid credentials.' }
    if (error.status === 429 || error.status === 503) {
      const busy = error.status === 429 ? limitMessage('limit' in error ? error.limit : null) : 'The service is busy'
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
