import { afterEach, describe, expect, it, vi } from 'vitest'
import { routedFetch } from '../test/routedFetch'
import { frame, jsonResponse, pushableStream, sseResponse } from '../test/sseMock'
import { pendingAnswer, type AssistantMessage, type UserMessage } from './chatModel'
import { LiveRun, type LiveRunHost } from './liveRun'
import { loadRun, saveRun } from './runStore'

const T = 'task-1'
const S = 'sess-1'
const user: UserMessage = { kind: 'user', id: 'u1', text: 'How many?' }
const events = [
  frame({ type: 'session', task_id: T, seq: 0, session_id: S }),
  frame({ type: 'token', task_id: T, seq: 1, content: '42' }),
  frame({ type: 'complete', task_id: T, seq: 2, response: '42', session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 1 }),
]

function host(session: string | null = null) {
  const h = {
    current: session,
    shown: [] as AssistantMessage[],
    credentials: () => ({ apiKey: 'k', token: '' }),
    session: () => h.current,
    followSession: vi.fn((id: string | null) => {
      h.current = id
    }),
    showAnswer: vi.fn((a: AssistantMessage) => h.shown.push(a)),
    showUser: vi.fn(),
    showConnection: vi.fn(),
    needKey: vi.fn(),
    sessionsChanged: vi.fn(),
  }
  return h satisfies LiveRunHost
}

afterEach(() => {
  vi.restoreAllMocks()
  window.sessionStorage.clear()
})

describe('LiveRun', () => {
  it('follows the session the stream names and resolves to the complete answer', async () => {
    routedFetch((c) => (c.url === '/ai/api/chat/stream' ? sseResponse(events, { headers: { 'X-Task-ID': T } }) : undefined))
    const h = host()
    const final = await new LiveRun(h).read(user, pendingAnswer(user.text), (s) => s.start({ message: user.text, session_id: null }))
    expect(h.followSession).toHaveBeenCalledWith(S)
    expect(final).toMatchObject({ taskId: T, status: 'completed', text: '42' })
    expect(h.shown.at(-1)).toEqual(final)
    expect(h.showUser).toHaveBeenCalledWith({ ...user, taskId: T })
  })

  it('saves every event with its seq, and forgets the saved run at the terminal event', async () => {
    routedFetch((c) => (c.url === '/ai/api/chat/stream' ? sseResponse(events, { headers: { 'X-Task-ID': T } }) : undefined))
    const h = host(S)
    const saved: Array<[number | undefined, string | undefined]> = []
    h.showAnswer.mockImplementation(() => saved.push([loadRun(S)?.lastSeq, loadRun(S)?.answer.text]))
    await new LiveRun(h).read(user, pendingAnswer(user.text), (s) => s.start({ message: user.text, session_id: S }))
    expect(saved.slice(1)).toEqual([[0, ''], [1, '42'], [2, '42']])
    expect(loadRun(S)).toBeNull()
    expect(h.sessionsChanged).toHaveBeenCalled()
  })

  it('rejoins after the given seq', async () => {
    const calls = routedFetch((c) => (c.url === `/ai/api/tasks/${T}/events` ? sseResponse(events.slice(2)) : undefined))
    const h = host(S)
    const answer = { ...pendingAnswer(user.text), taskId: T, text: '42', status: 'streaming' as const }
    saveRun({ sessionId: S, taskId: T, lastSeq: 1, user, answer })
    const final = await new LiveRun(h).read(user, answer, (s) => s.rejoin(), { taskId: T, lastSeq: 1 })
    expect(calls.find((c) => c.url.endsWith('/events'))!.headers['last-event-id']).toBe('1')
    expect(final).toMatchObject({ status: 'completed', text: '42' })
  })

  it('shows a refused start as a failed answer and asks for credentials on 401', async () => {
    routedFetch((c) => (c.url === '/ai/api/chat/stream' ? jsonResponse(401, { detail: 'bad key' }) : undefined))
    const h = host()
    const final = await new LiveRun(h).read(user, pendingAnswer(user.text), (s) => s.start({ message: user.text, session_id: null }))
    expect(final).toMatchObject({ status: 'failed', stopping: false, error: { kind: 'auth' } })
    expect(h.shown.at(-1)).toEqual(final)
    expect(h.needKey).toHaveBeenCalled()
  })

  it('reading a new run stops reading the previous one, which shows nothing more', async () => {
    const first = pushableStream()
    routedFetch((c) => {
      if (c.url === `/ai/api/tasks/t-old/events`) return new Response(first.body, { headers: { 'Content-Type': 'text/event-stream' } })
      if (c.url === `/ai/api/tasks/${T}/events`) return sseResponse(events.slice(1))
      return undefined
    })
    const h = host(S)
    const live = new LiveRun(h)
    const old = { ...pendingAnswer('old?'), taskId: 't-old' }
    const reading = live.read(user, old, (s) => s.rejoin(), { taskId: 't-old', lastSeq: -1 })
    await vi.waitFor(() => expect(h.showConnection).toHaveBeenCalledWith('streaming', 0))
    await live.read(user, { ...pendingAnswer(user.text), taskId: T }, (s) => s.rejoin(), { taskId: T, lastSeq: 0 })
    first.push(frame({ type: 'token', task_id: 't-old', seq: 0, content: 'late' }))
    expect(await reading).toMatchObject({ taskId: 't-old', text: '' })
    expect(h.shown.every((a) => a.taskId === T)).toBe(true)
  })

  it('detach stops reading the live run', async () => {
    const body = pushableStream()
    routedFetch((c) => (c.url === `/ai/api/tasks/${T}/events` ? new Response(body.body, { headers: { 'Content-Type': 'text/event-stream' } }) : undefined))
    const h = host(S)
    const live = new LiveRun(h)
    const reading = live.read(user, { ...pendingAnswer(user.text), taskId: T }, (s) => s.rejoin(), { taskId: T, lastSeq: -1 })
    await vi.waitFor(() => expect(h.showConnection).toHaveBeenCalledWith('streaming', 0))
    live.detach()
    body.push(frame({ type: 'token', task_id: T, seq: 0, content: 'late' }))
    expect(await reading).toMatchObject({ status: 'pending', text: '' })
    expect(h.shown).toEqual([])
  })
})
