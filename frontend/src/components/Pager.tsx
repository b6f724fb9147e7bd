/** Previous / next for a paginated table, with where the reader is ("Rows 11–20 of 24"). */
export function Pager({ page, pages, pageSize, total, onPage }: {
  page: number
  pages: number
  pageSize: number
  total: number
  onPage: (page: number) => void
}) {
  const from = page * pageSize + 1
  const to = Math.min(total, (page + 1) * pageSize)
  return (
    <nav className="pager" aria-label="Table pages" data-testid="pager">
      <button type="button" className="btn-small" onClick={() => onPage(page - 1)} disabled={page === 0} data-testid="page-prev">
        ‹ Previous
      </button>
      <span className="pager__where" aria-live="polite" data-testid="page-where">
        Rows {from}–{to} of {total}
      </span>
      <button type="button" className="btn-small" onClick={() => onPage(page + 1)} disabled={page >= pages - 1} data-testid="page-next">
        Next ›
      </button>
    </nav>
  )
}
