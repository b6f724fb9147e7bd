/** "‹ 2/3 ›": which version of a regenerated or edited turn is shown (display only). */
export function VersionFlipper({ index, count, onFlip }: { index: number; count: number; onFlip: (index: number) => void }) {
  return (
    <span className="version-flipper" data-testid="version-flipper" role="group" aria-label="Answer versions">
      <button type="button" className="btn-small" aria-label="Previous version" disabled={index === 0} onClick={() => onFlip(index - 1)}>‹</button>
      <span data-testid="version-label" aria-live="polite">{index + 1}/{count}</span>
      <button type="button" className="btn-small" aria-label="Next version" disabled={index === count - 1} onClick={() => onFlip(index + 1)}>›</button>
    </span>
  )
}
