import type { DisplayStep } from '../state/chatModel'
import { ToolStepView } from './ToolStepView'

/** The steps an answer took, in order. */
export function ToolTimeline({ steps }: { steps: DisplayStep[] }) {
  if (steps.length === 0) return null
  return (
    <ol className="tool-timeline" aria-label="Tool steps" data-testid="tool-timeline">
      {steps.map((s, i) => (
        <ToolStepView key={s.call_id} step={s} index={i} />
      ))}
    </ol>
  )
}
