import { act, renderHook, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { saveRun } from '../state/runStore'
import { routedFetch } from '../test/routedFetch'
import { frame, jsonResponse, sseResponse } from '../test/sseMock'
import { assistantMessage, sessionSummary, userMessage } from '../test/wire'
import { useChat } from './useChat'

const T = 'task-1'
const S = 'sess-1'
const events = (response: string) => [
  frame({ type: 'session', task_id: T, seq: 0, session_id: S }),
  frame({ type: 'token', task_id: T, seq: 1, content: response }),
  frame({ type: 'complete', task_id: T, seq: 2, response, session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 1 }),
]

function chat(apiKey = 'k') {
  const onNeedKey = vi.fn()
  const onSessionsChanged = vi.fn()
  const hook = renderHook(() => useChat({ apiKey, onNeedKey, onSessionsChanged }))
  return { ...hook, onNeedKey, onSessionsChanged }
}

afterEach(() => {
  vi.restoreAllMocks()
  window.sessionStorage.clear()
})

describe('useChat (orchestration)', () => {
  it('sends once, follows the session the stream names, and ends with the complete answer', async () => {
    const calls = routedFetch((c) => (c.url === '/ai/api/chat/stream' ? sseResponse(events('42'), { headers: { 'X-Task-ID': T } }) : undefined))
    const { result, onSessionsChanged } = chat()
    act(() => result.current.send('How many?'))
    await waitFor(() => expect(result.current.running).toBe(false))
    expect(result.current.sessionId).toBe(S)
    expect(result.current.messages.map((m) => m.text)).toEqual(['How many?', '42'])
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1)
    expect(onSessionsChanged).toHaveBeenCalled()
  })

  it('asks for credentials instead of sending when there are none', () => {
    const calls = routedFetch(() => undefined)
    const { result, onNeedKey } = chat('')
    act(() => result.current.send('hi'))
    expect(onNeedKey).toHaveBeenCalledWith('missing')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
  })

  it('shows a refused send on the answer and asks for a key on 401', async () => {
    routedFetch((c) => (c.url === '/ai/api/chat/stream' ? jsonResponse(401, { detail: 'bad key' }) : undefined))
    const { result, onNeedKey } = chat()
    act(() => result.current.send('hi'))
    await waitFor(() => expect(result.current.running).toBe(false))
    expect(result.current.messages[1]).toMatchObject({ status: 'failed', error: { kind: 'auth' } })
    expect(onNeedKey).toHaveBeenCalledWith('rejected')
  })

  it('reopening a session with a saved unfinished run rejoins it after its last seq', async () => {
    const calls = routedFetch((c) => {
      if (c.url === `/ai/api/sessions/${S}`) {
        return jsonResponse(200, { ...sessionSummary({ session_id: S, active_task: T }), messages: [userMessage({ task_id: 't0' }), assistantMessage({ task_id: 't0' })] })
      }
      if (c.url === `/ai/api/tasks/${T}/events`) return sseResponse(events('done').slice(2))
      return undefined
    })
    const { result } = chat()
    const [user, answer] = [{ kind: 'user' as const, id: 'u1', text: 'q', taskId: T }, { ...assistantView(), taskId: T }]
    saveRun({ sessionId: S, taskId: T, lastSeq: 1, user, answer })
    act(() => result.current.openSession(S))
    await waitFor(() => expect(result.current.messages.at(-1)).toMatchObject({ status: 'completed', text: 'done' }))
    const rejoin = calls.find((c) => c.url === `/ai/api/tasks/${T}/events`)!
    expect(rejoin.headers['last-event-id']).toBe('1')
  })
})

function assistantView() {
  return { kind: 'assistant' as const, id: 'a1', taskId: null, question: 'q', text: 'do', tools: [], status: 'streaming' as const, attempt: 1 }
}
