/** "‹ 2/3 ›": which version of a regenerated or edited turn is shown (display only). `onFlip` gets the
 *  flipper's element too, so the list can keep it where it was while the content around it changes. */
export function VersionFlipper({ index, count, turn, onFlip }: { index: number; count: number; turn?: string; onFlip: (index: number, from: HTMLElement) => void }) {
  return (
    <span className="version-flipper" data-testid="version-flipper" data-turn={turn} role="group" aria-label="Answer versions">
      <button type="button" className="btn-small" aria-label="Previous version" disabled={index === 0} onClick={(e) => onFlip(index - 1, e.currentTarget.parentElement!)}>‹</button>
      <span data-testid="version-label" aria-live="polite">{index + 1}/{count}</span>
      <button type="button" className="btn-small" aria-label="Next version" disabled={index === count - 1} onClick={(e) => onFlip(index + 1, e.currentTarget.parentElement!)}>›</button>
    </span>
  )
}
