import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, jsonResponse, sseResponse, type RecordedCall } from '../test/sseMock'
import { saveCurrentSession, saveRun } from '../state/runStore'
import { App } from './App'

const T = 'task-9'
const S = 'sess-1'
type Route = (call: RecordedCall) => Response | undefined

/** A fetch that routes by method + path; health and session listing have sensible defaults. */
function installFetch(route: Route) {
  const calls: RecordedCall[] = []
  globalThis.fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v
    })
    const call = { url: String(input), method: init.method ?? 'GET', headers, body: init.body ? JSON.parse(String(init.body)) : undefined }
    calls.push(call)
    const res = route(call)
    if (res) return res
    if (call.url === '/ai/api/health') return jsonResponse(200, { status: 'healthy', models: ['demo'], workers_alive: 1 })
    if (call.url === '/ai/api/sessions') return jsonResponse(200, [])
    throw new Error(`unrouted ${call.method} ${call.url}`)
  }) as typeof fetch
  return calls
}

const tok = (seq: number, content: string) => ({ type: 'token', task_id: T, seq, content })
const done = (seq: number, response: string) => ({
  type: 'complete', task_id: T, seq, response, session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 1200,
})

beforeEach(() => {
  window.localStorage.setItem('ai.apiKey', 'good-key')
  Element.prototype.scrollTo = vi.fn()
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('App', () => {
  it('sends on Enter, streams the answer and shows the demo-model badge', async () => {
    const user = userEvent.setup()
    const calls = installFetch((c) =>
      c.url === '/ai/api/chat/stream'
        ? sseResponse(
            [frame({ type: 'session', task_id: T, seq: 0, session_id: S }), frame(tok(1, 'There are ')), frame(tok(2, '**42** customers.')), frame(done(3, 'There are **42** customers.'))],
            { headers: { 'X-Task-ID': T } },
          )
        : undefined,
    )
    render(<App />)
    expect(await screen.findByTestId('demo-badge')).toHaveTextContent('Offline demo model')
    const input = screen.getByRole('textbox', { name: 'Message' })
    await user.type(input, 'How many{Shift>}{Enter}{/Shift}customers?')
    expect(input).toHaveValue('How many\ncustomers?')
    await user.keyboard('{Enter}')
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.getByTestId('answer-text')).toHaveTextContent('There are 42 customers.')
    expect(screen.getByTestId('user-message')).toHaveTextContent('How many customers?')
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.headers['x-api-key']).toBe('good-key')
    expect(post.body).toMatchObject({ message: 'How many\ncustomers?', session_id: null })
    expect(input).toHaveValue('')
  })

  it('asks for the key when there is none yet', async () => {
    window.localStorage.clear()
    installFetch(() => undefined)
    render(<App />)
    expect(screen.getByTestId('api-key-dialog')).toHaveTextContent('Enter your API key')
  })

  it('prompts for a new key after a 401', async () => {
    const user = userEvent.setup()
    installFetch((c) => (c.url === '/ai/api/chat/stream' ? jsonResponse(401, { detail: 'Invalid API key' }) : undefined))
    render(<App />)
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'hi{Enter}')
    expect(await screen.findByTestId('api-key-dialog')).toHaveTextContent('API key rejected')
    expect(screen.getByTestId('error-notice')).toHaveAttribute('data-kind', 'auth')
  })

  it('says when to try again after a 429', async () => {
    const user = userEvent.setup()
    installFetch((c) => (c.url === '/ai/api/chat/stream' ? jsonResponse(429, { detail: 'Rate limit exceeded' }, { 'Retry-After': '30' }) : undefined))
    render(<App />)
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'hi{Enter}')
    const notice = await screen.findByTestId('error-notice')
    expect(notice).toHaveTextContent(/try again in (30|29) s/)
    expect(screen.getByTestId('retry-button')).toBeDisabled()
  })

  it('after a reload, rejoins the stored run from its cursor without duplicating text', async () => {
    saveCurrentSession(S)
    const user = { kind: 'user' as const, id: 'u1', text: 'Tell me a story' }
    const answer = { kind: 'assistant' as const, id: 'a1', taskId: T, question: 'Tell me a story', text: 'Once upon', tools: [], status: 'streaming' as const, attempt: 1 }
    saveRun({ sessionId: S, taskId: T, lastSeq: 2, user, answer })
    const calls = installFetch((c) => {
      if (c.url === `/ai/api/sessions/${S}`) return jsonResponse(200, { id: S, title: 'Story', messages: [] })
      if (c.url === `/ai/api/tasks/${T}/events`) return sseResponse([frame(tok(3, ' a time.')), frame(done(4, 'Once upon a time.'))])
      return undefined
    })
    render(<App />)
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.getByTestId('answer-text')).toHaveTextContent(/^Once upon a time\.$/)
    const rejoin = calls.find((c) => c.url.endsWith('/events'))!
    expect(rejoin.headers['last-event-id']).toBe('2')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
    expect(window.sessionStorage.getItem(`ai.run.${S}`)).toBeNull()
  })

  it('opening a session with a run this tab never read replays it from the start', async () => {
    const calls = installFetch((c) => {
      if (c.url === '/ai/api/sessions') return jsonResponse(200, [{ session_id: S, title: 'Busy', updated_at: 1, message_count: 0, active_task: T }])
      if (c.url === `/ai/api/sessions/${S}`) return jsonResponse(200, { session_id: S, title: 'Busy', messages: [], active_task: T })
      if (c.url === `/ai/api/tasks/${T}/events`) {
        return sseResponse([frame({ type: 'session', task_id: T, seq: 0, session_id: S }), frame(tok(1, 'From ')), frame(tok(2, 'elsewhere')), frame(done(3, 'From elsewhere'))])
      }
      return undefined
    })
    const user = userEvent.setup()
    render(<App />)
    await user.click(await screen.findByRole('button', { name: /^Busy/ }))
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.getByTestId('answer-text')).toHaveTextContent(/^From elsewhere$/)
    expect(calls.find((c) => c.url.endsWith('/events'))?.headers['last-event-id']).toBeUndefined()
  })

  it('stops a running answer via the cancel endpoint and keeps the partial text', async () => {
    const user = userEvent.setup()
    let push: (s: string) => void = () => {}
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const enc = new TextEncoder()
        push = (s) => (s ? controller.enqueue(enc.encode(s)) : controller.close())
      },
    })
    const calls = installFetch((c) => {
      if (c.url === '/ai/api/chat/stream') return new Response(body, { headers: { 'X-Task-ID': T, 'Content-Type': 'text/event-stream' } })
      if (c.url === `/ai/api/tasks/${T}/cancel`) {
        push(frame({ type: 'cancelled', task_id: T, seq: 2, message: 'Cancelled' }))
        push('')
        return jsonResponse(202, { task_id: T, status: 'cancelling' })
      }
      return undefined
    })
    render(<App />)
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'long one{Enter}')
    push(frame({ type: 'session', task_id: T, seq: 0, session_id: S }) + frame(tok(1, 'Partial answer')))
    await waitFor(() => expect(screen.getByTestId('answer-text')).toHaveTextContent('Partial answer'))
    await user.click(screen.getByTestId('stop-button'))
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'cancelled'))
    expect(screen.getByTestId('answer-status')).toHaveTextContent('Stopped')
    expect(screen.getByTestId('answer-text')).toHaveTextContent('Partial answer')
    expect(calls.find((c) => c.url.endsWith('/cancel'))?.method).toBe('POST')
  })
})
