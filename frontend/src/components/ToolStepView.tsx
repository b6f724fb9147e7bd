import { stepResult } from '../lib/queryResult'
import type { DisplayStep } from '../state/chatModel'
import { CodeBlock } from './CodeBlock'
import { ResultPreview } from './ResultPreview'

function sqlOf(args: Record<string, unknown>): { sql: string | null; rest: Record<string, unknown> } {
  for (const key of ['sql', 'query', 'statement']) {
    const v = args[key]
    if (typeof v === 'string') {
      const { [key]: _omit, ...rest } = args
      void _omit
      return { sql: v, rest }
    }
  }
  return { sql: null, rest: args }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`
}

function outputText(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output, null, 2)
}

/**
 * One tool call: name, what it does, its arguments (SQL highlighted), duration, and a compact preview
 * of a query result (the answer itself shows the full table, once).
 */
export function ToolStepView({ step, index }: { step: DisplayStep; index: number }) {
  const args = sqlOf(step.arguments)
  const sql = args.sql ?? step.data?.sql ?? null
  const rest = args.rest
  const result = stepResult(step)
  const state = !step.done ? 'running' : step.is_error ? 'error' : 'done'
  return (
    <li className={`tool-step tool-step--${state}`} data-testid="tool-step" data-tool-name={step.name} data-state={state}>
      <div className="tool-step__head">
        <span className="tool-step__index" aria-hidden="true">{index + 1}</span>
        <code className="tool-step__name" data-testid="tool-name">{step.name}</code>
        {step.message && <span className="tool-step__message">{step.message}</span>}
        <span className="tool-step__state">
          {state === 'running' ? (
            <span className="spinner" role="status" aria-label="Running" />
          ) : (
            <span data-testid="tool-duration">
              {state === 'error' ? 'failed · ' : ''}
              {formatMs(step.duration_ms)}
            </span>
          )}
        </span>
      </div>
      {sql !== null && <CodeBlock code={sql} language="sql" />}
      {Object.keys(rest).length > 0 && (
        <details className="tool-step__args">
          <summary>Arguments</summary>
          <CodeBlock code={JSON.stringify(rest, null, 2)} language="json" />
        </details>
      )}
      {result && <ResultPreview result={result} />}
      {step.done && !result && step.output !== undefined && (
        <details className="tool-step__output" open={step.is_error}>
          <summary>{step.is_error ? 'Error' : 'Output'}</summary>
          <pre className={step.is_error ? 'error-text' : undefined}>{outputText(step.output)}</pre>
        </details>
      )}
    </li>
  )
}
