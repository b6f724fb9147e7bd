import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/apiError'
import { LIMIT_MESSAGES, limitMessage, openFailure, runEnd, toUiError } from './runErrors'

describe('toUiError', () => {
  it('maps rejected credentials to an auth error', () => {
    expect(toUiError(new ApiError(401, 'no')).kind).toBe('auth')
    expect(toUiError(new ApiError(403, 'no')).kind).toBe('auth')
  })

  it('maps 429 and 503 to a limit with the server Retry-After, else 5 s', () => {
    expect(toUiError(new ApiError(429, 'slow down', 12))).toMatchObject({ kind: 'limited', message: 'Too many requests', retryAfterS: 12 })
    expect(toUiError(new ApiError(503, 'busy'))).toMatchObject({ kind: 'limited', message: 'The service is busy', retryAfterS: 5 })
  })

  it('says in plain words which limit a 429 hit, keeping its Retry-After', () => {
    const refused = (limit: string) => toUiError(Object.assign(new ApiError(429, 'Rate limit exceeded', 42), { limit }))
    expect(refused('user_rate')).toMatchObject({ kind: 'limited', message: 'You have started too many chats in a short time', retryAfterS: 42 })
    expect(refused('key_rate').message).toBe("This API key's chat limit is used up for now")
    expect(refused('user_streams').message).toBe('You have too many answers streaming at once; wait for one to finish')
    expect(refused('key_streams').message).toBe('This API key has too many answers streaming at once; wait for one to finish')
  })

  it('has a sentence for every limit the gateway names, and a generic one for a limit it does not know', () => {
    for (const sentence of Object.values(LIMIT_MESSAGES)) expect(sentence).not.toBe('Too many requests')
    expect(limitMessage('share_rate')).toMatch(/shared conversations/)
    expect(limitMessage('some_new_limit')).toBe('Too many requests')
    expect(limitMessage('toString')).toBe('Too many requests')
    expect(limitMessage(null)).toBe('Too many requests')
  })

  it('says why a conflict or a missing conversation was refused, and passes other details through', () => {
    expect(toUiError(new ApiError(409, 'x')).message).toMatch(/still answering/)
    expect(toUiError(new ApiError(404, 'x')).message).toMatch(/no longer exists/)
    expect(toUiError(new ApiError(413, 'Message too long'))).toEqual({ kind: 'request', message: 'Message too long' })
  })

  it('treats anything that is not an HTTP error as an unreachable server', () => {
    expect(toUiError(new TypeError('Failed to fetch'))).toEqual({ kind: 'connection', message: 'Could not reach the server.' })
  })
})

describe('runEnd', () => {
  const terminal = { kind: 'terminal' as const, event: { type: 'cancelled' as const, task_id: 't', seq: 3, message: 'Cancelled' } }

  it('forgets the stored run and refreshes the sessions after a terminal event, with no error', () => {
    expect(runEnd(terminal)).toEqual({ forget: true, needKey: false, sessionsChanged: true })
  })

  it('does nothing when this tab stopped reading', () => {
    expect(runEnd({ kind: 'aborted' })).toEqual({ forget: false, needKey: false, sessionsChanged: false })
  })

  it('forgets a run whose events expired and says it cannot be resumed', () => {
    expect(runEnd({ kind: 'gone' })).toMatchObject({ forget: true, error: { kind: 'gone' } })
  })

  it('keeps a run lost to the network, so Reconnect can rejoin it', () => {
    expect(runEnd({ kind: 'lost', error: new TypeError('network') })).toMatchObject({ forget: false, error: { kind: 'connection' } })
  })

  it('forgets a run the gateway refuses to rejoin, and asks for credentials on 401 only', () => {
    expect(runEnd({ kind: 'lost', error: new ApiError(401, 'no') })).toMatchObject({ forget: true, needKey: true, error: { kind: 'auth' } })
    expect(runEnd({ kind: 'lost', error: new ApiError(404, 'gone') })).toMatchObject({ forget: true, needKey: false })
  })

  it('maps a refused start like any HTTP error, asking for credentials when they were rejected', () => {
    expect(runEnd({ kind: 'threw', error: new ApiError(409, 'busy') })).toMatchObject({ forget: false, needKey: false, error: { kind: 'request' } })
    expect(runEnd({ kind: 'threw', error: new ApiError(401, 'no') })).toMatchObject({ needKey: true, error: { kind: 'auth' } })
  })
})

describe('openFailure', () => {
  it('forgets a session that is gone, asks for credentials when rejected, and else does nothing', () => {
    expect(openFailure(new ApiError(404, 'x'))).toBe('gone')
    expect(openFailure(new ApiError(401, 'x'))).toBe('rejected')
    expect(openFailure(new ApiError(500, 'x'))).toBeNull()
    expect(openFailure(new TypeError('network'))).toBeNull()
  })
})
