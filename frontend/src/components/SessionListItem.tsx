import type { SessionSummary } from '../api/types'

function when(updated: number | string | null): string {
  if (updated === null) return ''
  const ms = typeof updated === 'number' ? (updated < 1e12 ? updated * 1000 : updated) : Date.parse(updated)
  if (!Number.isFinite(ms)) return ''
  const d = new Date(ms)
  const today = new Date()
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' })
}

interface Props {
  session: SessionSummary
  active: boolean
  onOpen: (id: string) => void
  onDelete: (id: string) => void
}

export function SessionListItem({ session, active, onOpen, onDelete }: Props) {
  const title = session.title || 'Untitled conversation'
  return (
    <li className={`session-item${active ? ' session-item--active' : ''}`} data-testid="session-item" data-session-id={session.id}>
      <button type="button" className="session-item__open" onClick={() => onOpen(session.id)} aria-current={active ? 'page' : undefined} title={title}>
        <span className="session-item__title">{title}</span>
        <span className="session-item__meta">
          {when(session.updated_at)} · {session.message_count} msg
        </span>
      </button>
      <button type="button" className="session-item__delete" onClick={() => onDelete(session.id)} aria-label={`Delete conversation: ${title}`} data-testid="session-delete">
        ×
      </button>
    </li>
  )
}
