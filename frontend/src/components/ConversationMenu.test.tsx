import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GatewayClient } from '../api/gatewayClient'
import type { ShareLink } from '../api/types'
import { jsonResponse } from '../test/sseMock'
import { routedFetch } from '../test/routedFetch'
import { ConversationMenu } from './ConversationMenu'

const S = 'sess-1'
const link: ShareLink = { share_id: 'AbCdEfGhIjKlMnOpQrStUv', session_id: S, title: 'T', created_at: 1, expires_at: null, url: '/ai/static/#/shared/AbCdEfGhIjKlMnOpQrStUv' }

afterEach(() => vi.restoreAllMocks())

function menu() {
  render(<ConversationMenu client={new GatewayClient('k')} sessionId={S} />)
  return userEvent.click(screen.getByRole('button', { name: 'Conversation actions' }))
}

describe('ConversationMenu', () => {
  it('downloads the Markdown export under the name the server gives', async () => {
    routedFetch((c) => {
      if (c.url === '/ai/api/shares') return jsonResponse(200, { shares: [] })
      if (c.url === `/ai/api/sessions/${S}/export?format=markdown`) {
        return new Response('# T', { headers: { 'Content-Type': 'text/markdown', 'Content-Disposition': `attachment; filename="conversation-${S}.md"` } })
      }
    })
    const created = vi.fn(() => 'blob:x')
    URL.createObjectURL = created
    URL.revokeObjectURL = vi.fn()
    let downloaded = ''
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloaded = this.download
    })
    await menu()
    await userEvent.click(screen.getByRole('button', { name: 'Markdown' }))
    expect(created).toHaveBeenCalledTimes(1)
    expect(downloaded).toBe(`conversation-${S}.md`)
  })

  it('creates a share link, shows it in full with copy, and revokes it', async () => {
    const calls = routedFetch((c) => {
      if (c.url === '/ai/api/shares') return jsonResponse(200, { shares: [] })
      if (c.method === 'POST' && c.url === `/ai/api/sessions/${S}/shares`) return jsonResponse(201, link)
      if (c.method === 'DELETE' && c.url === `/ai/api/shares/${link.share_id}`) return jsonResponse(204, null)
    })
    await menu()
    await userEvent.click(screen.getByRole('button', { name: 'Create share link' }))
    const item = await screen.findByTestId('share-link')
    expect(within(item).getByRole('textbox', { name: 'Share link' })).toHaveValue(`${window.location.origin}/ai/static/#/shared/${link.share_id}`)
    expect(within(item).getByRole('button', { name: 'Copy link' })).toBeInTheDocument()
    await userEvent.click(within(item).getByRole('button', { name: 'Revoke' }))
    expect(screen.queryByTestId('share-link')).toBeNull()
    expect(calls.some((c) => c.method === 'DELETE')).toBe(true)
  })

  it('lists only this conversation’s existing links and closes on Escape, focus back on the button', async () => {
    routedFetch((c) => (c.url === '/ai/api/shares' ? jsonResponse(200, { shares: [link, { ...link, share_id: 'other-share-id-123456', session_id: 'other' }] }) : undefined))
    await menu()
    expect(await screen.findAllByTestId('share-link')).toHaveLength(1)
    await userEvent.keyboard('{Escape}')
    expect(screen.queryByTestId('conversation-panel')).toBeNull()
    expect(screen.getByRole('button', { name: 'Conversation actions' })).toHaveFocus()
  })
})
