import { useId, useState } from 'react'
import { ApiError } from '../api/apiError'
import type { ApprovalDecision } from '../api/types'
import { useCountdown } from '../hooks/useCountdown'
import type { ApprovalRequest } from '../state/approvals'
import { toUiError } from '../state/runErrors'

/** What this tab did about the request: nothing yet, sent a decision, or learned it is closed (409/404). */
type Sent = null | 'sending' | 'approved' | 'rejected' | 'closed'

const MAX_REASON = 500 // the gateway's limit on ApprovalDecision.message

interface Props {
  request: ApprovalRequest
  /** POSTs the decision (absent: read-only). Rejects with ApiError on a refusal. */
  onDecide?: (approvalId: string, decision: ApprovalDecision) => Promise<unknown>
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60)
  return `${m}:${String(seconds % 60).padStart(2, '0')}`
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** The sentence under the card once its buttons are gone. */
function outcome(request: ApprovalRequest, sent: Sent, expired: boolean): string {
  if (sent === 'approved') return request.state === 'open' ? 'Approved — continuing…' : 'Approved'
  if (sent === 'rejected') return request.state === 'open' ? 'Rejected — continuing…' : 'Rejected'
  if (sent === 'closed') return 'This request was already decided, has expired, or its run ended.'
  if (request.state === 'decided') return 'Decided'
  if (request.state === 'expired' || expired) return 'Expired: nobody decided in time, nothing was changed.'
  return 'The run ended before a decision; nothing was changed.'
}

/**
 * A tool call that waits for the user's approval: the change in words, the tool and its arguments, the
 * time left, and Approve / Reject (with an optional reason). The buttons go once the gateway took the
 * decision (200) or says it is no longer open (409: decided in another tab, expired, or the run
 * ended; 404 likewise cannot be retried); any other failure keeps them, with the error. The run's
 * own events then say how it went on (state/approvals.ts). The countdown is to `expires_at` by this
 * device's clock; the gateway's clock decides.
 */
export function ApprovalCard({ request, onDecide }: Props) {
  const [sent, setSent] = useState<Sent>(null)
  const [rejecting, setRejecting] = useState(false)
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [since] = useState(() => Date.now())
  const left = useCountdown(request.expires_at - since / 1000, since)
  const titleId = useId()
  const reasonId = useId()
  const expired = left === 0
  const buttons = request.state === 'open' && !expired && onDecide !== undefined && (sent === null || sent === 'sending')
  const state = buttons ? (sent ?? 'open') : (sent ?? (request.state === 'open' && expired ? 'expired' : request.state))
  const waiting = request.state === 'open' && sent === null && !expired // (read-only: nothing to say yet)
  const note = buttons || waiting ? '' : outcome(request, sent, expired)

  const decide = async (approve: boolean) => {
    if (!onDecide) return
    setSent('sending')
    setError(null)
    const message = approve ? '' : reason.trim()
    try {
      await onDecide(request.approval_id, message ? { approve, message } : { approve })
      setSent(approve ? 'approved' : 'rejected')
    } catch (e) {
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
        setSent('closed')
        return
      }
      setSent(null)
      setError(`Could not send the decision: ${toUiError(e).message}`)
    }
  }

  const args = Object.entries(request.arguments)
  return (
    <section className={`approval-card approval-card--${state}`} aria-labelledby={titleId} data-testid="approval-card" data-state={state}>
      <p className="approval-card__title muted small">Needs your approval</p>
      <p className="approval-card__message" id={titleId} data-testid="approval-message">{request.message}</p>
      <div className="approval-card__call">
        <code className="approval-card__tool" data-testid="approval-tool">{request.tool}</code>
        {args.length > 0 && (
          <dl className="approval-card__args" data-testid="approval-arguments">
            {args.map(([name, value]) => (
              <div key={name} className="approval-card__arg">
                <dt>{name}:</dt>
                <dd>{shown(value)}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>
      {buttons ? (
        <>
          <p className="approval-card__timer small" role="timer" data-testid="approval-countdown">
            Expires in {clock(left)}
          </p>
          {rejecting ? (
            <form className="approval-card__reject" onSubmit={(e) => { e.preventDefault(); void decide(false) }}>
              <label htmlFor={reasonId} className="small">Reason (optional)</label>
              <input
                id={reasonId}
                className="approval-card__reason"
                value={reason}
                maxLength={MAX_REASON}
                onChange={(e) => setReason(e.target.value)}
                disabled={sent === 'sending'}
                data-testid="approval-reason"
                autoFocus
              />
              <div className="approval-card__actions">
                <button type="submit" className="btn btn-danger" disabled={sent === 'sending'} data-testid="approval-send-reject">
                  Reject
                </button>
                <button type="button" className="btn" onClick={() => setRejecting(false)} disabled={sent === 'sending'}>
                  Back
                </button>
              </div>
            </form>
          ) : (
            <div className="approval-card__actions">
              <button type="button" className="btn btn-primary" onClick={() => void decide(true)} disabled={sent === 'sending'} data-testid="approve-button">
                Approve
              </button>
              <button type="button" className="btn" onClick={() => setRejecting(true)} disabled={sent === 'sending'} data-testid="reject-button">
                Reject…
              </button>
            </div>
          )}
        </>
      ) : null}
      <p className="approval-card__outcome small" aria-live="polite" data-testid="approval-outcome">{note}</p>
      {error && <p className="error-text small" role="alert" data-testid="approval-error">{error}</p>}
    </section>
  )
}
