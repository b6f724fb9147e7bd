import { describe, expect, it } from 'vitest'
import { frame, jsonResponse, noSleep, scriptedFetch, sseResponse } from '../test/sseMock'
import { ApiError } from './apiError'
import { backoffDelay } from './backoff'
import { sseFrames } from './sseFrames'
import { TaskStream, type TaskStreamOptions } from './taskStream'
import type { AgentEvent } from './types'

const T = 'task-1'
const session = { type: 'session', task_id: T, seq: 0, session_id: 's-1' }
const tok = (seq: number, content: string) => ({ type: 'token', task_id: T, seq, content })
const complete = (seq: number, response: string) => ({
  type: 'complete', task_id: T, seq, response, session_id: 's-1', workflow: [], usage: {}, tools: [], duration_ms: 5,
})

function collect(f: typeof fetch, extra: Partial<TaskStreamOptions> = {}, resume?: { taskId: string; lastSeq: number }) {
  const events: AgentEvent[] = []
  const stream = new TaskStream({ apiKey: 'k', fetch: f, sleep: noSleep, onEvent: (e) => events.push(e), ...extra }, resume)
  return { stream, events, text: () => events.flatMap((e) => (e.type === 'token' ? [e.content] : [])).join('') }
}

describe('sseFrames', () => {
  it('parses frames split across chunks at any byte', async () => {
    const raw = frame(tok(1, 'Hello')) + frame(tok(2, ' world'))
    const chunks = raw.match(/.{1,7}/gs)!
    const out = []
    for await (const f of sseFrames(sseResponse(chunks).body!)) out.push(f)
    expect(out.map((f) => f.id)).toEqual(['1', '2'])
    expect(JSON.parse(out[1].data).content).toBe(' world')
  })

  it('joins multi-line data fields with newlines and skips comments', async () => {
    const out = []
    for await (const f of sseFrames(sseResponse([': ping\n\n', 'id: 3\ndata: line one\ndata: line two\n\n']).body!)) out.push(f)
    expect(out).toHaveLength(1)
    expect(out[0].data).toBe('line one\nline two')
  })
})

describe('TaskStream.start', () => {
  it('posts the message with the API key and reads events until the terminal one', async () => {
    const { fetch, calls } = scriptedFetch(() =>
      sseResponse([frame(session), frame(tok(1, 'Hi')), frame(complete(2, 'Hi'))], { headers: { 'X-Task-ID': T } }),
    )
    const { stream, events } = collect(fetch)
    const outcome = await stream.start({ message: 'q', session_id: null })
    expect(outcome.kind).toBe('terminal')
    expect(calls).toHaveLength(1)
    expect(calls[0].method).toBe('POST')
    expect(calls[0].url).toBe('/ai/api/chat/stream')
    expect(calls[0].headers['x-api-key']).toBe('k')
    expect(calls[0].body).toMatchObject({ message: 'q', session_id: null, on_disconnect: 'continue' })
    expect(events.map((e) => e.type)).toEqual(['session', 'token', 'complete'])
    expect(stream.taskId).toBe(T)
    expect(stream.lastSeq).toBe(2)
  })

  it('throws an ApiError with Retry-After for a rejected POST', async () => {
    const { fetch } = scriptedFetch(() => jsonResponse(429, { detail: 'slow down' }, { 'Retry-After': '7' }))
    const { stream } = collect(fetch)
    const error = await stream.start({ message: 'q', session_id: null }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(429)
    expect((error as ApiError).retryAfterS).toBe(7)
  })

  it('rejoins after a drop with Last-Event-ID and de-duplicates the replayed overlap', async () => {
    const { fetch, calls } = scriptedFetch(
      () => sseResponse([frame(session), frame(tok(1, 'Hel')), frame(tok(2, 'lo'))], { headers: { 'X-Task-ID': T }, failAtEnd: true }),
      // the server replays from an older cursor: seq 1-2 again, then new ones
      () => sseResponse([frame(tok(1, 'Hel')), frame(tok(2, 'lo')), frame(tok(3, '!')), frame(complete(4, 'Hello!'))]),
    )
    const { stream, text } = collect(fetch)
    const outcome = await stream.start({ message: 'q', session_id: null })
    expect(outcome.kind).toBe('terminal')
    expect(calls[1].method).toBe('GET')
    expect(calls[1].url).toBe(`/ai/api/tasks/${T}/events`)
    expect(calls[1].headers['last-event-id']).toBe('2')
    expect(text()).toBe('Hello!')
  })

  it('rejoins when the stream ends without a terminal event (draining gateway)', async () => {
    const { fetch, calls } = scriptedFetch(
      () => sseResponse([frame(session), frame(tok(1, 'a')), 'event: reconnect\nretry: 10\ndata: {}\n\n', frame(tok(2, 'IGNORED?'))], { headers: { 'X-Task-ID': T } }),
      () => sseResponse([frame(tok(2, 'b')), frame(complete(3, 'ab'))]),
    )
    const { stream, text } = collect(fetch)
    await stream.start({ message: 'q', session_id: null })
    expect(calls[1].headers['last-event-id']).toBe('1')
    expect(text()).toBe('ab')
  })

  it('reports the task gone when the events endpoint answers 204', async () => {
    const { fetch } = scriptedFetch(
      () => sseResponse([frame(session)], { headers: { 'X-Task-ID': T } }),
      () => jsonResponse(204, null),
    )
    const { stream } = collect(fetch)
    expect((await stream.start({ message: 'q', session_id: null })).kind).toBe('gone')
  })

  it('retries failed rejoins with backoff and gives up after maxReconnects', async () => {
    const delays: number[] = []
    const { fetch, calls } = scriptedFetch(
      () => sseResponse([frame(session)], { headers: { 'X-Task-ID': T } }),
      () => jsonResponse(502, {}),
      () => Promise.reject(new TypeError('offline')),
    )
    const { stream } = collect(fetch, { maxReconnects: 2, sleep: async (ms) => void delays.push(ms) })
    const outcome = await stream.start({ message: 'q', session_id: null })
    expect(outcome.kind).toBe('lost')
    expect(calls).toHaveLength(3)
    expect(delays).toHaveLength(2)
    expect(delays[1]).toBeGreaterThanOrEqual(2000)
  })
})

describe('TaskStream.rejoin', () => {
  it('resumes a stored task from its cursor without a POST', async () => {
    const { fetch, calls } = scriptedFetch(() => sseResponse([frame(tok(5, 'rest')), frame(complete(6, 'all rest'))]))
    const { stream, events } = collect(fetch, {}, { taskId: T, lastSeq: 4 })
    await stream.rejoin()
    expect(calls).toHaveLength(1)
    expect(calls[0].method).toBe('GET')
    expect(calls[0].headers['last-event-id']).toBe('4')
    expect(events.map((e) => e.seq)).toEqual([5, 6])
  })
})

describe('backoffDelay', () => {
  it('doubles from 1 s, caps at 5 s and adds jitter', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, undefined, () => 0))).toEqual([1000, 2000, 4000, 5000, 5000])
    expect(backoffDelay(1, undefined, () => 0.5)).toBe(1500)
  })
})
