import { render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sharedId } from '../lib/shareRoute'
import { jsonResponse } from '../test/sseMock'
import { routedFetch } from '../test/routedFetch'
import { SharedView } from './SharedView'
import { assistantMessage, userMessage } from '../test/wire'

const ID = 'AbCdEfGhIjKlMnOpQrStUv'
const snapshot = {
  share_id: ID,
  title: 'Customers',
  shared_at: 1_700_000_000,
  messages: [
    userMessage({ text: 'How many customers?' }),
    assistantMessage({ text: 'There are 59 customers.' }),
  ],
}

beforeEach(() => {
  Element.prototype.scrollTo = vi.fn()
})
afterEach(() => vi.restoreAllMocks())

describe('SharedView', () => {
  it('shows the snapshot read-only: no composer, no feedback, says it is a snapshot', async () => {
    const calls = routedFetch((c) => (c.url === `/ai/api/shared/${ID}` ? jsonResponse(200, snapshot) : undefined))
    render(<SharedView shareId={ID} />)
    expect(await screen.findByText('There are 59 customers.')).toBeInTheDocument()
    expect(screen.getByTestId('chat-title')).toHaveTextContent('Customers')
    expect(screen.getByTestId('shared-badge')).toHaveTextContent('Read-only snapshot')
    expect(screen.getByTestId('shared-note')).toHaveTextContent('A copy of this conversation as it was shared on')
    expect(screen.queryByRole('textbox', { name: 'Message' })).toBeNull()
    expect(screen.queryByTestId('feedback')).toBeNull()
    expect(screen.queryByTestId('sidebar')).toBeNull()
    expect(calls[0].headers['x-api-key']).toBeUndefined()
  })

  it('says so when the link is unknown or revoked', async () => {
    routedFetch((c) => (c.url === `/ai/api/shared/${ID}` ? jsonResponse(404, { detail: 'Shared conversation not found' }) : undefined))
    render(<SharedView shareId={ID} />)
    expect(await screen.findByTestId('shared-error')).toHaveTextContent('revoked')
  })
})

describe('sharedId', () => {
  it('reads the id from a share link’s hash route and nothing else', () => {
    expect(sharedId(`#/shared/${ID}`)).toBe(ID)
    expect(sharedId('#/shared/short')).toBeNull()
    expect(sharedId('')).toBeNull()
  })
})
