import { useId, useState } from 'react'
import type { Feedback, Rating } from '../api/types'

interface Props {
  initial: Feedback | null
  /** Saves a rating (with comment), or clears it (null); resolves to what is now stored. */
  onSave: (rating: Rating | null, comment: string) => Promise<Feedback | null>
}

const LABEL: Record<Rating, string> = { up: 'Good answer', down: 'Bad answer' }
/** Drawn, not emoji: a system without an emoji font would show empty boxes. */
const THUMB: Record<Rating, string> = {
  up: 'M7 10v11H4a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1zm0 0 4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7',
  down: 'M17 14V3h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1zm0 0-4 8a3 3 0 0 1-3-3v-4H4.5a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.9 3H17',
}

function Thumb({ rating }: { rating: Rating }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" className="feedback__icon">
      <path d={THUMB[rating]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  )
}

/**
 * Thumbs up / down on one finished answer, and an optional comment. Pressing the chosen thumb again
 * withdraws it. Both are toggle buttons (aria-pressed), so a keyboard and a screen reader know the state.
 */
export function FeedbackControl({ initial, onSave }: Props) {
  const [saved, setSaved] = useState<Feedback | null>(initial)
  const [draft, setDraft] = useState(initial?.comment ?? '')
  const [commenting, setCommenting] = useState(false)
  const [busy, setBusy] = useState(false)
  const [note, setNote] = useState<string | null>(null)
  const commentId = useId()

  const save = async (rating: Rating | null, comment: string) => {
    setBusy(true)
    try {
      const stored = await onSave(rating, comment)
      setSaved(stored)
      setNote(stored ? 'Thanks for the feedback' : 'Feedback removed')
      return true
    } catch {
      setNote('Could not save the feedback')
      return false
    } finally {
      setBusy(false)
    }
  }
  const rate = async (rating: Rating) => {
    const again = saved?.rating === rating
    if ((await save(again ? null : rating, again ? '' : draft)) && !again) setCommenting(true)
    if (again) {
      setDraft('')
      setCommenting(false)
    }
  }

  return (
    <div className="feedback" data-testid="feedback" data-rating={saved?.rating ?? ''}>
      <div role="group" aria-label="Rate this answer" className="feedback__thumbs">
        {(['up', 'down'] as const).map((r) => (
          <button
            key={r}
            type="button"
            className="btn-small feedback__thumb"
            aria-pressed={saved?.rating === r}
            aria-label={LABEL[r]}
            title={LABEL[r]}
            disabled={busy}
            onClick={() => void rate(r)}
            data-testid={`feedback-${r}`}
          >
            <Thumb rating={r} />
          </button>
        ))}
        {saved && !commenting && (
          <button type="button" className="btn-link small" onClick={() => setCommenting(true)} data-testid="feedback-comment-open">
            {saved.comment ? 'Edit comment' : 'Add a comment'}
          </button>
        )}
      </div>
      {saved && commenting && (
        <form
          className="feedback__comment"
          onSubmit={(e) => {
            e.preventDefault()
            void save(saved.rating, draft.trim()).then((ok) => ok && setCommenting(false))
          }}
        >
          <label htmlFor={commentId} className="visually-hidden">
            Comment on this answer (optional)
          </label>
          <input
            id={commentId}
            className="feedback__input"
            value={draft}
            maxLength={2000}
            placeholder="What was good or wrong? (optional)"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setCommenting(false)
            }}
            data-testid="feedback-comment"
          />
          <button type="submit" className="btn-small" disabled={busy} data-testid="feedback-comment-save">
            Save
          </button>
        </form>
      )}
      {saved?.comment && !commenting && <p className="feedback__saved-comment muted small">“{saved.comment}”</p>}
      <span className="visually-hidden" aria-live="polite">
        {note ?? ''}
      </span>
    </div>
  )
}
