import { useRef } from 'react'
import type { ConnectionState } from '../api/taskStream'
import type { Feedback, Rating } from '../api/types'
import { useAutoScroll } from '../hooks/useAutoScroll'
import { isActive, type ChatMessage } from '../state/chatModel'
import { AssistantMessageView } from './AssistantMessageView'
import { UserMessageView } from './UserMessageView'

interface Props {
  messages: ChatMessage[]
  connection: ConnectionState
  attempt: number
  loading: boolean
  onRetry?: (id: string) => void
  onFeedback?: (taskId: string, rating: Rating | null, comment: string) => Promise<Feedback | null>
  empty: React.ReactNode
  /** Changes when another conversation is shown (which starts at its newest message). */
  conversation?: string | null
}

/** The conversation, following new content until the user scrolls up (then: jump to latest). */
export function MessageList({ messages, connection, attempt, loading, onRetry, onFeedback, empty, conversation = null }: Props) {
  const ref = useRef<HTMLDivElement>(null)
  const contentRef = useRef<HTMLDivElement>(null)
  const { following, onScroll, jumpToLatest } = useAutoScroll(ref, contentRef, messages, conversation)
  return (
    <div className="message-list-wrap">
      <div className="message-list" ref={ref} onScroll={onScroll} data-testid="message-list" tabIndex={0} aria-label="Conversation">
        <div className="message-list__content" ref={contentRef}>
        {loading && <div className="muted center">Loading conversation…</div>}
        {!loading && messages.length === 0 && empty}
        {messages.map((m) =>
          m.kind === 'user' ? (
            <UserMessageView key={m.id} message={m} />
          ) : (
            <AssistantMessageView key={m.id} answer={m} live={isActive(m)} connection={connection} attempt={attempt} onRetry={onRetry} onFeedback={onFeedback} />
          ),
        )}
        </div>
      </div>
      {!following && (
        <button type="button" className="jump-latest" onClick={jumpToLatest} data-testid="jump-latest">
          <span aria-hidden="true">↓</span> Jump to latest
        </button>
      )}
    </div>
  )
}
