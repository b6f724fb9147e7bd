import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, jsonResponse, pushableStream } from '../test/sseMock'
import { routedFetch } from '../test/routedFetch'
import { assistantMessage, sessionSummary, userMessage } from '../test/wire'
import { App } from './App'

/** Another tab (or device) of the same user acts in the conversation this tab has open. */

const S = 'sess-1'
const T = 'task-2'
const first = [userMessage({ task_id: 't1', text: 'First question' }), assistantMessage({ task_id: 't1', text: 'First answer' })]
const second = [userMessage({ task_id: T, text: 'From tab A' }), assistantMessage({ task_id: T, text: 'Answer from A' })]
const summary = (updated_at: number, active_task: string | null) => sessionSummary({ session_id: S, title: 'Shared', updated_at, active_task, message_count: 2 })
const taskState = { task_id: T, status: 'running', attempts: 1, session_id: S, created_at: 1, started_at: 1, finished_at: null, worker: 'w', cancel_requested: false, message: 'From tab A', replaces: null, events_url: '' }

/** The server's view as it moves: 0 one turn, 1 a run started elsewhere, 2 that run's turn recorded. */
function server() {
  const state = { phase: 0 }
  const stream = pushableStream()
  const calls = routedFetch((c) => {
    const { phase } = state
    if (c.url === '/ai/api/sessions') return jsonResponse(200, { sessions: [summary(phase + 1, phase === 1 ? T : null)] })
    if (c.url === `/ai/api/sessions/${S}`) {
      return jsonResponse(200, { ...summary(phase + 1, phase === 1 ? T : null), messages: phase === 2 ? [...first, ...second] : first })
    }
    if (c.url === `/ai/api/tasks/${T}`) return jsonResponse(200, taskState)
    if (c.url === `/ai/api/tasks/${T}/events`) return new Response(stream.body, { headers: { 'Content-Type': 'text/event-stream' } })
    return undefined
  })
  return { state, calls, push: stream.push }
}

let visibility: DocumentVisibilityState = 'visible'
const bringToFront = () => document.dispatchEvent(new Event('visibilitychange'))

beforeEach(() => {
  window.localStorage.setItem('ai.apiKey', 'good-key')
  Element.prototype.scrollTo = vi.fn()
  vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility)
})
afterEach(() => {
  vi.restoreAllMocks()
  window.sessionStorage.clear()
})

describe('a run started in another tab', () => {
  it('shows its question and streams its answer into the open conversation, and marks it in the sidebar', async () => {
    const user = userEvent.setup()
    const { state, calls, push } = server()
    render(<App />)
    await user.click(await screen.findByRole('button', { name: /^Shared/ }))
    expect(await screen.findByText('First answer')).toBeInTheDocument()

    state.phase = 1 // tab A asks
    bringToFront()
    await waitFor(() => expect(screen.getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['First question', 'From tab A']))
    push(frame({ type: 'session', task_id: T, seq: 0, session_id: S }) + frame({ type: 'token', task_id: T, seq: 1, content: 'Answer ' }))
    await waitFor(() => expect(screen.getAllByTestId('answer-text')[1]).toHaveTextContent('Answer'))
    expect(within(screen.getByTestId('sidebar')).getByTestId('session-running')).toHaveTextContent('Answering')

    state.phase = 2 // the run ends; its turn is recorded
    push(frame({ type: 'token', task_id: T, seq: 2, content: 'from A' }) + frame({ type: 'complete', task_id: T, seq: 3, response: 'Answer from A', session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 5 }))
    push('')
    await waitFor(() => expect(screen.getAllByTestId('assistant-message')[1]).toHaveAttribute('data-status', 'completed'))
    await waitFor(() => expect(screen.queryByTestId('session-running')).toBeNull())
    expect(screen.getAllByTestId('answer-text')[1]).toHaveTextContent(/^Answer from A$/)
    expect(screen.getAllByTestId('assistant-message')).toHaveLength(2)
    expect(calls.filter((c) => c.url.endsWith('/events'))).toHaveLength(1)
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
  })

  it('is not looked for while the tab is hidden, and is shown as soon as the tab is', async () => {
    const user = userEvent.setup()
    const { state, calls, push } = server()
    render(<App />)
    await user.click(await screen.findByRole('button', { name: /^Shared/ }))
    await screen.findByText('First answer')
    visibility = 'hidden'
    bringToFront() // hidden now: nothing is asked
    state.phase = 2 // a whole turn happens elsewhere meanwhile
    const before = calls.length
    await new Promise((r) => setTimeout(r, 30))
    expect(calls.length).toBe(before)
    visibility = 'visible'
    bringToFront()
    expect(await screen.findByText('Answer from A')).toBeInTheDocument()
    expect(screen.getAllByTestId('user-message').map((m) => m.textContent)).toEqual(['First question', 'From tab A'])
    push('')
  })
})

describe('a look that fails', () => {
  it('leaves the sidebar as it was (the next look tries again)', async () => {
    let down = false
    routedFetch((c) => {
      if (c.url === '/ai/api/sessions') return down ? jsonResponse(503, { detail: 'Redis down' }) : jsonResponse(200, { sessions: [summary(1, null)] })
      return undefined
    })
    render(<App />)
    expect(await screen.findByRole('button', { name: /^Shared/ })).toBeInTheDocument()
    down = true
    bringToFront()
    await new Promise((r) => setTimeout(r, 30))
    expect(screen.getByRole('button', { name: /^Shared/ })).toBeInTheDocument()
    expect(screen.queryByText('Could not load conversations.')).toBeNull()
  })
})

describe("this tab's own run", () => {
  it('is never joined a second time when the session list names it before the tab knows its task', async () => {
    const user = userEvent.setup()
    const own = pushableStream()
    const state = { active: null as string | null, recorded: false }
    const calls = routedFetch((c) => {
      const listed = summary(state.recorded ? 3 : state.active ? 2 : 1, state.active)
      if (c.url === '/ai/api/sessions') return jsonResponse(200, { sessions: [listed] })
      if (c.url === `/ai/api/sessions/${S}`) return jsonResponse(200, { ...listed, messages: state.recorded ? [...first, ...second] : first })
      if (c.url === '/ai/api/chat/stream') {
        state.active = T
        return new Response(own.body, { headers: { 'Content-Type': 'text/event-stream' } }) // task id: first event
      }
      return undefined
    })
    render(<App />)
    await user.click(await screen.findByRole('button', { name: /^Shared/ }))
    await screen.findByText('First answer')
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'From tab A{Enter}')
    await waitFor(() => expect(state.active).toBe(T))
    const lists = calls.filter((c) => c.url === '/ai/api/sessions').length
    bringToFront() // the list now names this tab's run as active; no event has told the tab its id yet
    await waitFor(() => expect(calls.filter((c) => c.url === '/ai/api/sessions').length).toBeGreaterThan(lists))
    await new Promise((r) => setTimeout(r, 30))
    own.push(frame({ type: 'session', task_id: T, seq: 0, session_id: S }) + frame({ type: 'token', task_id: T, seq: 1, content: 'Answer ' }))
    await waitFor(() => expect(screen.getAllByTestId('answer-text')[1]).toHaveTextContent('Answer'))
    state.active = null
    state.recorded = true
    own.push(frame({ type: 'token', task_id: T, seq: 2, content: 'from A' }) + frame({ type: 'complete', task_id: T, seq: 3, response: 'Answer from A', session_id: S, workflow: [], usage: {}, tools: [], duration_ms: 5 }))
    own.push('')
    await waitFor(() => expect(screen.getAllByTestId('assistant-message')[1]).toHaveAttribute('data-status', 'completed'))
    await waitFor(() => expect(calls.filter((c) => c.url === `/ai/api/sessions/${S}`)).toHaveLength(2)) // one check after the end
    expect(calls.some((c) => c.url.includes('/ai/api/tasks/'))).toBe(false)
    expect(screen.getAllByTestId('assistant-message')).toHaveLength(2)
    expect(screen.getAllByTestId('answer-text')[1]).toHaveTextContent(/^Answer from A$/)
  })
})
