import { useRef, useState } from 'react'
import type { ConnectionState } from '../api/taskStream'
import type { ApprovalDecision, Feedback, Rating } from '../api/types'
import { useAutoScroll } from '../hooks/useAutoScroll'
import { isActive, type AssistantMessage, type ChatMessage } from '../state/chatModel'
import { AssistantMessageView } from './AssistantMessageView'
import { UserMessageView } from './UserMessageView'

interface Props {
  messages: ChatMessage[]
  connection: ConnectionState
  attempt: number
  loading: boolean
  onRetry?: (id: string) => void
  onFeedback?: (taskId: string, rating: Rating | null, comment: string) => Promise<Feedback | null>
  /** Regenerate the last answer / edit a question (absent: read-only). */
  onRegenerate?: (answerId: string) => void
  onEdit?: (userId: string, text: string) => void
  /** Sends a decision on an approval request of a live answer. */
  onDecide?: (taskId: string, approvalId: string, decision: ApprovalDecision) => Promise<unknown>
  empty: React.ReactNode
  /** Changes when another conversation is shown (which starts at its newest message). */
  conversation?: string | null
}

/** The conversation, following new content until the user scrolls up (then: jump to latest). */
export function MessageList({ messages, connection, attempt, loading, onRetry, onFeedback, onRegenerate, onEdit, onDecide, empty, conversation = null }: Props) {
  const ref = useRef<HTMLDivElement>(null)
  /** answer id → the version shown (absent: the newest). Flipping only changes what is shown. */
  const [shown, setShown] = useState<Record<string, number>>({})
  const running = messages.some(isActive)
  const lastAnswer = messages.findLast((m) => m.kind === 'assistant')
  const versionOf = (answer: AssistantMessage) => {
    const earlier = answer.versions ?? []
    const index = Math.min(shown[answer.id] ?? earlier.length, earlier.length)
    return { index, count: earlier.length + 1, version: index < earlier.length ? earlier[index] : null }
  }
  const contentRef = useRef<HTMLDivElement>(null)
  const { following, onScroll, jumpToLatest } = useAutoScroll(ref, contentRef, messages, conversation)
  return (
    <div className="message-list-wrap">
      <div className="message-list" ref={ref} onScroll={onScroll} data-testid="message-list" tabIndex={0} aria-label="Conversation">
        <div className="message-list__content" ref={contentRef}>
        {loading && <div className="muted center">Loading conversation…</div>}
        {!loading && messages.length === 0 && empty}
        {messages.map((m, i) => {
          if (m.kind === 'user') {
            const next = messages[i + 1]
            const version = next?.kind === 'assistant' ? versionOf(next).version : null
            if (version) return <UserMessageView key={`${m.id}-v`} message={{ ...m, text: version.question }} />
            const editable = onEdit && m.taskId && !running
            return <UserMessageView key={m.id} message={m} onEdit={editable ? onEdit : undefined} />
          }
          const { index, count, version } = versionOf(m)
          const flip = { index, count, onFlip: (n: number) => setShown((s) => ({ ...s, [m.id]: n })) }
          const canRegenerate = onRegenerate && m.taskId && !running && m === lastAnswer && !version && messages[i - 1]?.kind === 'user'
          return version ? (
            <AssistantMessageView key={version.answer.id} answer={version.answer} live={false} versions={flip} />
          ) : (
            <AssistantMessageView
              key={m.id} answer={m} live={isActive(m)} connection={connection} attempt={attempt} onRetry={onRetry} onFeedback={onFeedback}
              onRegenerate={canRegenerate ? onRegenerate : undefined} versions={flip} onDecide={isActive(m) ? onDecide : undefined}
            />
          )
        })}
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
