import type { ProgressStage } from '../api/types'
import type { Progress } from '../state/chatModel'

const STAGES: { stage: ProgressStage; label: string }[] = [
  { stage: 'understanding', label: 'Understand' },
  { stage: 'exploring_schema', label: 'Explore schema' },
  { stage: 'querying', label: 'Query' },
  { stage: 'validating', label: 'Check' },
  { stage: 'answering', label: 'Answer' },
]

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** The agent's workflow while it runs: the stages, where it is now, and what it is doing. */
export function ProgressView({ progress }: { progress: Progress }) {
  const current = STAGES.findIndex((s) => s.stage === progress.stage)
  const counter = progress.total ? `Step ${progress.step} of ${progress.total}` : `Step ${progress.step}`
  return (
    <div className="progress" data-testid="progress" data-stage={progress.stage}>
      <ol className="progress__stages" aria-label="Workflow">
        {STAGES.map((s, i) => (
          <li
            key={s.stage}
            className={`progress__stage${i < current ? ' progress__stage--done' : ''}${i === current ? ' progress__stage--current' : ''}`}
            aria-current={i === current ? 'step' : undefined}
          >
            {s.label}
          </li>
        ))}
      </ol>
      <div className="progress__now" role="status" data-testid="progress-message">
        <span className="spinner" aria-hidden="true" /> {counter} · {progress.message}
        <span className="muted"> · {seconds(progress.elapsed_ms)}</span>
      </div>
    </div>
  )
}
