import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { frame, jsonResponse, pushableStream, sseResponse } from '../test/sseMock'
import { routedFetch as installFetch } from '../test/routedFetch'
import { saveCurrentSession, saveRun } from '../state/runStore'
import { App, NARROW } from './App'
import { sessionSummary } from '../test/wire'

const T = 'task-9'
const S = 'sess-1'
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
  Reflect.deleteProperty(window, 'matchMedia') // jsdom has none; one test fakes a narrow screen
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
    expect(await screen.findByTestId('api-key-dialog')).toHaveTextContent('Enter your API key')
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
      if (c.url === '/ai/api/sessions') return jsonResponse(200, { sessions: [sessionSummary({ session_id: S, title: 'Busy', active_task: T })] })
      if (c.url === `/ai/api/sessions/${S}`) return jsonResponse(200, { ...sessionSummary({ session_id: S, title: 'Busy', active_task: T }), messages: [] })
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
    const { body, push } = pushableStream()
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

  it('shows the workflow progress and the data event table of a streamed answer', async () => {
    const user = userEvent.setup()
    const { body, push } = pushableStream()
    installFetch((c) => (c.url === '/ai/api/chat/stream' ? new Response(body, { headers: { 'X-Task-ID': T, 'Content-Type': 'text/event-stream' } }) : undefined))
    render(<App />)
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'Revenue per country{Enter}')
    push(frame({ type: 'session', task_id: T, seq: 0, session_id: S }) + frame({ type: 'progress', task_id: T, seq: 1, stage: 'querying', step: 3, total: 5, elapsed_ms: 900, message: 'Running the query' }))
    expect(await screen.findByTestId('progress-message')).toHaveTextContent('Step 3 of 5 · Running the query')
    push(
      frame({ type: 'tool', task_id: T, seq: 2, name: 'run_query', arguments: { sql: 'SELECT country, revenue FROM r' }, call_id: 'c1', message: 'Running SQL' }) +
        frame({ type: 'tool_result', task_id: T, seq: 3, name: 'run_query', call_id: 'c1', output: '2 rows', is_error: false, duration_ms: 8 }) +
        frame({ type: 'data', task_id: T, seq: 4, call_id: 'c1', name: 'run_query', sql: 'SELECT country, revenue FROM r', columns: ['country', 'revenue'], rows: [['DE', 165350.4], ['FR', 120000]], row_count: 2, truncated: false, chart: { kind: 'bar', x: 'country', y: ['revenue'] } }) +
        frame({ type: 'some_future_event', task_id: T, seq: 5 }) +
        frame(tok(6, 'Revenue per country.')) +
        frame(done(7, 'Revenue per country.')),
    )
    push('')
    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'completed'))
    expect(screen.queryByTestId('progress')).toBeNull()
    expect(screen.getAllByTestId('result-table')).toHaveLength(1)
    expect(screen.getByTestId('result-table')).toHaveTextContent('165,350.40')
    expect(screen.getByTestId('view-bar')).toBeInTheDocument()
  })

  it('names the key the local stack accepts in the key dialog', async () => {
    window.localStorage.clear()
    const user = userEvent.setup()
    installFetch((c) => (c.url === '/ai/api/ui-config' ? jsonResponse(200, { api_key_hint: 'demo-key', tokens: false, demo_token: null }) : undefined))
    render(<App />)
    expect(await screen.findByTestId('api-key-hint')).toHaveTextContent('This local stack accepts the key demo-key')
    await user.click(screen.getByTestId('api-key-use-hint'))
    expect(screen.getByLabelText('API key', { selector: 'input' })).toHaveValue('demo-key')
  })

  it('on a narrow screen keeps the sidebar in a drawer: the menu opens it, Esc closes it', async () => {
    window.matchMedia = vi.fn((query: string) => ({
      matches: query === NARROW, media: query, addEventListener: () => {}, removeEventListener: () => {},
    })) as unknown as typeof window.matchMedia
    installFetch((c) => (c.url === '/ai/api/sessions' ? jsonResponse(200, { sessions: [sessionSummary({ session_id: S, title: 'Revenue per month in 2024', updated_at: Date.now() / 1000, message_count: 2 })] }) : undefined))
    const user = userEvent.setup()
    render(<App />)
    const sidebar = screen.getByTestId('sidebar')
    expect(sidebar).toHaveAttribute('inert')
    const menu = screen.getByTestId('menu-button')
    expect(menu).toHaveAttribute('aria-expanded', 'false')
    await user.click(menu)
    expect(sidebar).not.toHaveAttribute('inert')
    expect(sidebar).toHaveClass('sidebar--open')
    expect(await within(sidebar).findByText('Revenue per month in 2024')).toBeInTheDocument()
    expect(within(sidebar).getByRole('heading', { name: 'Today' })).toBeInTheDocument()
    expect(sidebar).toContainElement(document.activeElement as HTMLElement)
    await user.keyboard('{Escape}')
    expect(sidebar).toHaveAttribute('inert')
    expect(menu).toHaveFocus()
  })
})
