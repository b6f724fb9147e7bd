import type { Health } from '../api/types'

/** Says plainly when answers come from the offline demo model, not a real LLM ("Demo" on narrow
 * screens, where the header's room belongs to the conversation title). */
export function ModelBadge({ health }: { health: Health | null }) {
  if (!health) return null
  const demo = (health.models ?? []).some((m) => m.toLowerCase().includes('demo'))
  if (demo) {
    return (
      <span className="badge badge--demo" data-testid="demo-badge" title={`Models: ${(health.models ?? []).join(', ')}`}>
        <span className="badge__full">Offline demo model</span>
        <span className="badge__short">Demo</span>
      </span>
    )
  }
  if (health.workers_alive === 0 || health.status !== 'healthy') {
    return (
      <span className="badge badge--warn" data-testid="health-badge">
        {health.workers_alive === 0 ? 'No workers online' : 'Service degraded'}
      </span>
    )
  }
  return null
}
