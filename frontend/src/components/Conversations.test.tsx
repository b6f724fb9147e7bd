import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../test/sseMock'
import { routedFetch } from '../test/routedFetch'
import { App } from './App'
import { assistantMessage, sessionSummary, userMessage } from '../test/wire'

const S = 'sess-1'
const summary = sessionSummary({ session_id: S, title: 'Revenue by country', updated_at: 1_700_000_000, message_count: 2 })
const detail = {
  ...summary,
  active_task: null,
  messages: [
    userMessage({ text: 'Revenue by country' }),
    assistantMessage({ text: 'USA leads.', feedback: null }),
  ],
}

beforeEach(() => {
  window.localStorage.setItem('ai.apiKey', 'good-key')
  Element.prototype.scrollTo = vi.fn()
})
afterEach(() => vi.restoreAllMocks())

describe('conversations in the App', () => {
  it('searches on the server once typing pauses, and lists the matches with their snippet', async () => {
    const user = userEvent.setup()
    const calls = routedFetch((c) =>
      c.url.startsWith('/ai/api/sessions?q=')
        ? jsonResponse(200, { sessions: [{ ...summary, match: '…USA leads…' }], searched: 1, truncated: false })
        : c.url === '/ai/api/sessions'
          ? jsonResponse(200, { sessions: [summary] })
          : undefined,
    )
    render(<App />)
    await user.type(screen.getByRole('searchbox', { name: 'Search conversations' }), 'usa lead')
    const results = await screen.findByTestId('search-results')
    await waitFor(() => expect(within(results).getByTestId('session-match')).toHaveTextContent('USA leads'))
    const searches = calls.filter((c) => c.url.startsWith('/ai/api/sessions?q='))
    expect(searches.map((c) => new URL(c.url, 'http://x').searchParams.get('q'))).toEqual(['usa lead'])
    expect(searches[0].headers['x-api-key']).toBe('good-key')
    expect(results).toHaveTextContent('1 found')
  })

  it('renames from the sidebar with PATCH and shows the new title in the list', async () => {
    const user = userEvent.setup()
    const calls = routedFetch((c) =>
      c.url === '/ai/api/sessions'
        ? jsonResponse(200, { sessions: [summary] })
        : c.method === 'PATCH'
          ? jsonResponse(200, { ...summary, title: 'By country' })
          : undefined,
    )
    render(<App />)
    await user.click(await screen.findByRole('button', { name: 'Rename conversation: Revenue by country' }))
    const field = screen.getByRole('textbox', { name: 'Conversation title' })
    await user.clear(field)
    await user.type(field, 'By country{Enter}')
    expect(await screen.findByText('By country')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({ url: `/ai/api/sessions/${S}`, body: { title: 'By country' } })
  })

  it('sends a thumbs up on a restored answer for that session and task', async () => {
    const user = userEvent.setup()
    const calls = routedFetch((c) => {
      if (c.url === '/ai/api/sessions') return jsonResponse(200, { sessions: [summary] })
      if (c.url === `/ai/api/sessions/${S}`) return jsonResponse(200, detail)
      if (c.method === 'PUT') return jsonResponse(200, { rating: 'up', comment: '', updated_at: 3 })
    })
    render(<App />)
    await user.click(await screen.findByRole('button', { name: /^Revenue by country/ }))
    await user.click(await screen.findByRole('button', { name: 'Good answer' }))
    expect(calls.find((c) => c.method === 'PUT')).toMatchObject({ url: `/ai/api/sessions/${S}/feedback/t1`, body: { rating: 'up', comment: '' } })
    expect(screen.getByRole('button', { name: 'Good answer' })).toHaveAttribute('aria-pressed', 'true')
  })
})
