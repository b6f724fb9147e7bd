import { useMemo } from 'react'
import type { ConnectionState } from '../api/taskStream'
import type { ApprovalDecision, Feedback, Rating } from '../api/types'
import { stepResult } from '../lib/queryResult'
import { placeResults, type AnswerResult } from '../lib/resultPlacement'
import type { AssistantMessage } from '../state/chatModel'
import { AnswerStatus } from './AnswerStatus'
import { ApprovalCard } from './ApprovalCard'
import { CopyButton } from './CopyButton'
import { ErrorNotice } from './ErrorNotice'
import { FeedbackControl } from './FeedbackControl'
import { Markdown } from './Markdown'
import { ProgressView } from './ProgressView'
import { ResultView } from './ResultView'
import { ToolTimeline } from './ToolTimeline'
import { VersionFlipper } from './VersionFlipper'

interface Props {
  answer: AssistantMessage
  live: boolean
  connection?: ConnectionState
  attempt?: number
  /** Absent in a read-only view (a shared snapshot): no retry, no feedback. */
  onRetry?: (id: string) => void
  onFeedback?: (taskId: string, rating: Rating | null, comment: string) => Promise<Feedback | null>
  /** Offered on the last finished answer: ask its question again. */
  onRegenerate?: (id: string) => void
  /** Set when the turn has earlier versions: the flipper under the answer. */
  versions?: { index: number; count: number; turn?: string; onFlip: (index: number, from: HTMLElement) => void }
  /** Sends a decision on one of the run's approval requests (absent: read-only). */
  onDecide?: (taskId: string, approvalId: string, decision: ApprovalDecision) => Promise<unknown>
}

/**
 * One answer: the workflow while it runs, its tool steps (query + compact preview), the streamed
 * Markdown text with each query result shown once as an interactive table, the calls waiting for the
 * user's approval, status and in-place errors.
 */
export function AssistantMessageView({ answer, live, connection, attempt, onRetry, onFeedback, onRegenerate, versions, onDecide }: Props) {
  const taskId = answer.taskId
  const results = useMemo<AnswerResult[]>(
    () => answer.tools.flatMap((t) => {
      const result = stepResult(t)
      return result ? [{ id: `${t.name}-${t.call_id}`, result }] : []
    }),
    [answer.tools],
  )
  const placement = useMemo(() => placeResults(answer.text, results), [answer.text, results])
  return (
    <article
      className="message message--assistant"
      data-testid="assistant-message"
      data-status={answer.status}
      data-task-id={answer.taskId ?? ''}
      aria-label="Assistant answer"
    >
      {answer.notice && <div className="answer-notice" data-testid="answer-notice">{answer.notice}</div>}
      {live && answer.progress && <ProgressView progress={answer.progress} />}
      <ToolTimeline steps={answer.tools} />
      {answer.approvals?.map((request) => (
        <ApprovalCard
          key={request.approval_id}
          request={request}
          onDecide={onDecide && taskId ? (approvalId, decision) => onDecide(taskId, approvalId, decision) : undefined}
        />
      ))}
      {/* Screen readers hear the live answer as it grows; finished answers are not re-announced. */}
      <div
        className={`answer-text${live && answer.status === 'streaming' ? ' answer-text--streaming' : ''}`}
        data-testid="answer-text"
        aria-live={live ? 'polite' : 'off'}
        aria-busy={live && answer.status === 'streaming'}
      >
        {answer.text ? <Markdown text={answer.text} inline={placement.inline} /> : null}
      </div>
      {answer.text && placement.after.map((r) => <ResultView key={r.id} result={r.result} name={r.id} />)}
      <div className="message__footer">
        <AnswerStatus answer={answer} connection={live ? connection : undefined} attempt={attempt} />
        {answer.text && !live && <CopyButton text={answer.text} label="Copy answer" />}
        {onRegenerate && !live && (
          <button type="button" className="btn-small" data-testid="regenerate-button" onClick={() => onRegenerate(answer.id)}>
            <span aria-hidden="true">↻</span> Regenerate
          </button>
        )}
        {versions && versions.count > 1 && <VersionFlipper {...versions} />}
      </div>
      {onFeedback && answer.taskId && !live && answer.status === 'completed' && (
        <FeedbackControl initial={answer.feedback ?? null} onSave={(rating, comment) => onFeedback(answer.taskId!, rating, comment)} />
      )}
      {answer.error && (onRetry ? <ErrorNotice error={answer.error} onRetry={() => onRetry(answer.id)} /> : <p className="error-text small">{answer.error.message}</p>)}
    </article>
  )
}
