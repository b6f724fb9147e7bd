import { useCountdown } from '../hooks/useCountdown'
import type { UiError } from '../state/chatModel'

const RETRY_LABEL: Record<UiError['kind'], string> = {
  auth: 'Retry',
  limited: 'Retry',
  run: 'Retry',
  connection: 'Reconnect',
  gone: 'Ask again',
  request: 'Retry',
}

/** An error shown where it happened, with the one action that can fix it. */
export function ErrorNotice({ error, onRetry }: { error: UiError; onRetry: () => void }) {
  const left = useCountdown(error.retryAfterS, error.at)
  const waiting = error.kind === 'limited' && left > 0
  return (
    <div className="error-notice" role="alert" data-testid="error-notice" data-kind={error.kind}>
      <span>
        {error.message}
        {error.kind === 'limited' && (waiting ? ` — try again in ${left} s.` : ' — you can try again now.')}
        {error.code && <span className="muted"> ({error.code})</span>}
      </span>
      <button type="button" className="btn-small" onClick={onRetry} disabled={waiting} data-testid="retry-button">
        {RETRY_LABEL[error.kind]}
      </button>
    </div>
  )
}
