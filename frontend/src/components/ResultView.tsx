import { lazy, Suspense, useId, useState } from 'react'
import { downloadCsv, toCsv } from '../lib/csv'
import { chartShape, type QueryResult } from '../lib/queryResult'
import { ResultTable } from './ResultTable'

const ResultChart = lazy(() => import('./ResultChart'))

type View = 'table' | 'bar' | 'line'

/** A query result in an answer: paginated table, or bar/line chart when the data suits one, plus CSV download. */
export function ResultView({ result, name }: { result: QueryResult; name: string }) {
  const [view, setView] = useState<View>('table')
  const shape = chartShape(result)
  const groupId = useId()
  const views: View[] = shape ? ['table', 'bar', 'line'] : ['table']
  return (
    <div className="result-view" data-testid="result-view">
      <div className="result-view__bar">
        <span className="muted" data-testid="row-count">
          {result.rowCount.toLocaleString()} row{result.rowCount === 1 ? '' : 's'}
          {result.truncated ? ` (showing the first ${result.rows.length.toLocaleString()})` : ''}
        </span>
        {views.length > 1 && (
          <div role="group" aria-labelledby={groupId} className="segmented">
            <span id={groupId} className="visually-hidden">Show result as</span>
            {views.map((v) => (
              <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)} className="btn-small" data-testid={`view-${v}`}>
                {v[0].toUpperCase() + v.slice(1)}
              </button>
            ))}
          </div>
        )}
        <button
          type="button"
          className="btn-small"
          data-testid="csv-download"
          onClick={() => downloadCsv(`${name}.csv`, toCsv(result.columns, result.rows))}
        >
          Download CSV
        </button>
      </div>
      {view === 'table' || !shape ? (
        <ResultTable result={result} />
      ) : (
        <Suspense fallback={<div className="muted">Loading chart…</div>}>
          <ResultChart result={result} shape={shape} kind={view} />
        </Suspense>
      )}
    </div>
  )
}
