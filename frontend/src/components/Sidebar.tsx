import type { SessionSummary } from '../api/types'
import { SessionListItem } from './SessionListItem'

interface Props {
  sessions: SessionSummary[]
  activeId: string | null
  error: string | null
  onNew: () => void
  onOpen: (id: string) => void
  onDelete: (id: string) => void
}

/** Conversations of this API key, newest first, and "New chat". */
export function Sidebar({ sessions, activeId, error, onNew, onOpen, onDelete }: Props) {
  return (
    <nav className="sidebar" aria-label="Conversations" data-testid="sidebar">
      <button type="button" className="btn btn-primary sidebar__new" onClick={onNew} data-testid="new-chat">
        + New chat
      </button>
      {error && <p className="error-text small">{error}</p>}
      {sessions.length === 0 && !error && <p className="muted small">No conversations yet.</p>}
      <ul className="session-list">
        {sessions.map((s) => (
          <SessionListItem key={s.id} session={s} active={s.id === activeId} onOpen={onOpen} onDelete={onDelete} />
        ))}
      </ul>
    </nav>
  )
}
