import type { ConnectionState } from '../api/taskStream'
import type { AssistantMessage } from '../state/chatModel'
import { AnswerStatus } from './AnswerStatus'
import { CopyButton } from './CopyButton'
import { ErrorNotice } from './ErrorNotice'
import { Markdown } from './Markdown'
import { ToolTimeline } from './ToolTimeline'

interface Props {
  answer: AssistantMessage
  live: boolean
  connection?: ConnectionState
  attempt?: number
  onRetry: (id: string) => void
}

/** One answer: its tool steps, the streamed Markdown text, status and in-place errors. */
export function AssistantMessageView({ answer, live, connection, attempt, onRetry }: Props) {
  return (
    <article
      className="message message--assistant"
      data-testid="assistant-message"
      data-status={answer.status}
      data-task-id={answer.taskId ?? ''}
      aria-label="Assistant answer"
    >
      {answer.notice && <div className="answer-notice" data-testid="answer-notice">{answer.notice}</div>}
      <ToolTimeline steps={answer.tools} />
      {/* Screen readers hear the live answer as it grows; finished answers are not re-announced. */}
      <div
        className={`answer-text${live && answer.status === 'streaming' ? ' answer-text--streaming' : ''}`}
        data-testid="answer-text"
        aria-live={live ? 'polite' : 'off'}
        aria-busy={live && answer.status === 'streaming'}
      >
        {answer.text ? <Markdown text={answer.text} /> : null}
      </div>
      <div className="message__footer">
        <AnswerStatus answer={answer} connection={live ? connection : undefined} attempt={attempt} />
        {answer.text && !live && <CopyButton text={answer.text} label="Copy answer" />}
      </div>
      {answer.error && <ErrorNotice error={answer.error} onRetry={() => onRetry(answer.id)} />}
    </article>
  )
}
