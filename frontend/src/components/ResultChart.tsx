import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js'
import { Bar, Line } from 'react-chartjs-2'
import type { ChartShape, QueryResult } from '../lib/queryResult'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend)

const PALETTE = ['#4f7cff', '#f28b30', '#2bb673', '#d64c7f', '#8a63d2', '#c9a227']

/** Bar or line chart of a query result (lazy-loaded: chart.js is only fetched when a chart is shown). */
export default function ResultChart({ result, shape, kind }: { result: QueryResult; shape: ChartShape; kind: 'bar' | 'line' }) {
  const data = {
    labels: result.rows.map((r) => String(r[shape.labelIndex] ?? '')),
    datasets: shape.valueIndexes.map((i, n) => ({
      label: result.columns[i],
      data: result.rows.map((r) => (r[i] === null ? null : Number(r[i]))),
      backgroundColor: PALETTE[n % PALETTE.length],
      borderColor: PALETTE[n % PALETTE.length],
    })),
  }
  const options = { responsive: true, maintainAspectRatio: false, animation: false as const }
  const label = `${kind === 'bar' ? 'Bar' : 'Line'} chart of ${shape.valueIndexes.map((i) => result.columns[i]).join(', ')} by ${result.columns[shape.labelIndex]}`
  return (
    <div className="result-chart" data-testid="result-chart">
      {kind === 'bar' ? <Bar data={data} options={options} aria-label={label} role="img" /> : <Line data={data} options={options} aria-label={label} role="img" />}
    </div>
  )
}
