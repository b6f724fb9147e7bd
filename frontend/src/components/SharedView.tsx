import { useEffect, useMemo, useState } from 'react'
import { ApiError } from '../api/apiError'
import { fetchShared } from '../api/gatewayClient'
import type { SharedConversation } from '../api/types'
import { useTheme } from '../hooks/useTheme'
import { fromTranscript } from '../state/chatModel'
import { MessageList } from './MessageList'
import { ThemeToggle } from './ThemeToggle'

/**
 * A shared conversation, read-only: the snapshot its owner shared (GET /ai/api/shared/{id}, no key),
 * with no sidebar, no composer, no feedback and no retry; it says it is a snapshot and when it was taken.
 */
export function SharedView({ shareId }: { shareId: string }) {
  const { theme, toggle } = useTheme()
  const [shared, setShared] = useState<SharedConversation | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let alive = true // a new share id mounts a new view (Root keys it), so there is nothing to reset
    fetchShared(shareId)
      .then((s) => alive && setShared(s))
      .catch((e: unknown) => {
        if (!alive) return
        setError(e instanceof ApiError && e.status === 404 ? 'This shared conversation does not exist, or its owner revoked the link.' : 'Could not load the shared conversation.')
      })
    return () => {
      alive = false
    }
  }, [shareId])

  useEffect(() => {
    document.title = shared ? `${shared.title || 'Conversation'} · shared` : 'Shared conversation'
  }, [shared])

  const messages = useMemo(() => (shared ? fromTranscript(shared.messages) : []), [shared])
  const when = shared ? new Date(shared.shared_at * 1000).toLocaleString() : ''

  return (
    <div className="app app--shared" data-testid="shared-view">
      <main className="chat" aria-label="Shared conversation">
        <header className="chat__header" data-testid="chat-header">
          <h1 className="chat__title" data-testid="chat-title" title={shared?.title}>
            {shared ? shared.title || 'Conversation' : 'Shared conversation'}
          </h1>
          <span className="badge" data-testid="shared-badge">
            Read-only snapshot
          </span>
          <ThemeToggle theme={theme} onToggle={toggle} />
        </header>
        {shared && (
          <p className="shared-note muted small" data-testid="shared-note">
            A copy of this conversation as it was shared on {when}. Later messages are not shown.{' '}
            <a href="/ai/static/">Open the chat</a>
          </p>
        )}
        {error ? (
          <p className="error-text center" role="alert" data-testid="shared-error">
            {error}
          </p>
        ) : (
          <MessageList
            messages={messages}
            connection="closed"
            attempt={0}
            loading={!shared}
            conversation={shareId}
            empty={<p className="muted center">This conversation has no messages.</p>}
          />
        )}
      </main>
    </div>
  )
}
