import type { SessionSummary } from '../api/types'
import { timeLabel, toMs } from '../lib/relativeDay'

interface Props {
  session: SessionSummary
  active: boolean
  onOpen: (id: string) => void
  onDelete: (id: string) => void
}

/** One conversation: its title (up to two lines, full text on hover), time of the last message, size. */
export function SessionListItem({ session, active, onOpen, onDelete }: Props) {
  const title = session.title || 'Untitled conversation'
  const ms = toMs(session.updated_at)
  const count = `${session.message_count} message${session.message_count === 1 ? '' : 's'}`
  return (
    <li className={`session-item${active ? ' session-item--active' : ''}`} data-testid="session-item" data-session-id={session.id}>
      <button type="button" className="session-item__open" onClick={() => onOpen(session.id)} aria-current={active ? 'page' : undefined} title={title}>
        <span className="session-item__title">{title}</span>
        <span className="session-item__meta" data-testid="session-meta">
          {ms !== null ? `${timeLabel(ms)} · ` : ''}
          {count}
        </span>
      </button>
      <button type="button" className="session-item__delete" onClick={() => onDelete(session.id)} aria-label={`Delete conversation: ${title}`} data-testid="session-delete">
        ×
      </button>
    </li>
  )
}
