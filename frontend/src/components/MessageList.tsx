import { useLayoutEffect, useRef, useState } from 'react'
import type { ConnectionState } from '../api/taskStream'
import type { ApprovalDecision, Feedback, Rating } from '../api/types'
import { useAutoScroll } from '../hooks/useAutoScroll'
import { shownThread, type ShownRow, type ShownVersions } from '../state/branchView'
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
  /** Regenerate the last answer / edit a question (absent: read-only). */
  onRegenerate?: (answerId: string) => void
  onEdit?: (userId: string, text: string) => void
  /** Sends a decision on an approval request of a live answer. */
  onDecide?: (taskId: string, approvalId: string, decision: ApprovalDecision) => Promise<unknown>
  empty: React.ReactNode
  /** Changes when another conversation is shown (which starts at its newest message). */
  conversation?: string | null
}

/**
 * The conversation, following new content until the user scrolls up (then: jump to latest). A turn
 * with earlier versions can show one of them, with the messages that followed it on its branch
 * (state/branchView.ts); those are grouped under a note that they are read-only, with the way back.
 */
export function MessageList({ messages, connection, attempt, loading, onRetry, onFeedback, onRegenerate, onEdit, onDecide, empty, conversation = null }: Props) {
  const ref = useRef<HTMLDivElement>(null)
  // Which versions are shown (display only). Kept while the conversation's last message stays the
  // same: a new message (sent, edited, or from another tab) shows the latest branch again.
  const last = messages.at(-1)?.id ?? ''
  const [picked, setPicked] = useState<{ last: string; shown: ShownVersions }>({ last, shown: {} })
  const shown = picked.last === last ? picked.shown : {}
  const rows = shownThread(messages, shown)
  const split = rows.findIndex((r) => r.earlier)
  const running = messages.some(isActive)
  const lastAnswer = messages.findLast((m) => m.kind === 'assistant')
  const contentRef = useRef<HTMLDivElement>(null)
  const { following, onScroll, jumpToLatest, hold } = useAutoScroll(ref, contentRef, messages, conversation)
  // A flip keeps its flipper where it was on screen (the content above or below it changes, not the
  // control under the pointer), and stops follow-scroll so the reader stays at that turn.
  const anchor = useRef<{ turn: string; top: number } | null>(null)
  const flip = (turn: string, index: number, from: HTMLElement) => {
    anchor.current = { turn, top: from.getBoundingClientRect().top }
    hold()
    setPicked({ last, shown: { ...shown, [turn]: index } })
  }
  useLayoutEffect(() => {
    const held = anchor.current
    const list = ref.current
    anchor.current = null
    const now = held && list?.querySelector(`[data-turn="${CSS.escape(held.turn)}"]`)
    if (held && list && now) list.scrollTop += now.getBoundingClientRect().top - held.top
  })

  const row = ({ message: m, earlier, version }: ShownRow, i: number) => {
    const versions = version && { index: version.index, count: version.count, turn: version.turn, onFlip: (n: number, from: HTMLElement) => flip(version.turn, n, from) }
    if (m.kind === 'user') {
      const editable = onEdit && m.taskId && !running && !earlier
      return <UserMessageView key={m.id} message={m} onEdit={editable ? onEdit : undefined} />
    }
    if (earlier) return <AssistantMessageView key={m.id} answer={m} live={false} versions={versions} />
    // a question that carried a file cannot be asked again from the transcript (its data is not kept): the gateway
    // refuses that regenerate, so it is not offered (Edit resends the text; the session keeps the file's table)
    const question = rows[i - 1]?.message
    const canRegenerate = onRegenerate && m.taskId && !running && m === lastAnswer && question?.kind === 'user' && !question.attachments?.length
    return (
      <AssistantMessageView
        key={m.id} answer={m} live={isActive(m)} connection={connection} attempt={attempt} onRetry={onRetry} onFeedback={onFeedback}
        onRegenerate={canRegenerate ? onRegenerate : undefined} versions={versions} onDecide={isActive(m) ? onDecide : undefined}
      />
    )
  }

  return (
    <div className="message-list-wrap">
      <div className="message-list" ref={ref} onScroll={onScroll} data-testid="message-list" tabIndex={0} aria-label="Conversation">
        <div className="message-list__content" ref={contentRef}>
        {loading && <div className="muted center">Loading conversation…</div>}
        {!loading && messages.length === 0 && empty}
        {(split < 0 ? rows : rows.slice(0, split)).map(row)}
        {split >= 0 && (
          <section className="earlier-branch" data-testid="earlier-branch" aria-label="Earlier version of the conversation">
            <p className="earlier-branch__note" data-testid="earlier-branch-note" role="status">
              <span>Earlier version, read-only: the conversation continues from the latest.</span>
              <button type="button" className="btn-small" data-testid="show-latest" onClick={() => { setPicked({ last, shown: {} }); jumpToLatest() }}>
                Show latest
              </button>
            </p>
            {rows.slice(split).map((r, j) => row(r, split + j))}
          </section>
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
