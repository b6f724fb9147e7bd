import type { QueryResult } from './queryResult'

/**
 * Where an answer shows its query results, so each result appears once. Models usually restate the
 * result as a Markdown table; a Markdown table whose header names the same columns as a result is
 * drawn as that result (the interactive table, formatted like every other table) in the place the
 * model put it. Results the text does not restate are shown after the text, except a single value
 * (a count, a total), which the text states anyway and the tool step's preview shows.
 */

export function headerKey(cells: string[]): string {
  return cells.map((c) => c.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')).join('|')
}

function cellsOf(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim())
}

const DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/

/** Header keys of the GFM tables in `text` (a header line followed by a delimiter line). */
export function tableHeaders(text: string): string[] {
  const lines = text.split('\n')
  const keys: string[] = []
  for (let i = 0; i + 1 < lines.length; i++) {
    if (lines[i].includes('|') && DELIMITER.test(lines[i + 1])) keys.push(headerKey(cellsOf(lines[i])))
  }
  return keys
}

/** One result of an answer: `id` is the tool call that produced it. */
export interface AnswerResult {
  id: string
  result: QueryResult
}

export interface Placement {
  /** Results drawn in place of the Markdown table with this header key. */
  inline: Map<string, AnswerResult>
  /** Results shown after the text. */
  after: AnswerResult[]
}

export function placeResults(text: string, results: AnswerResult[]): Placement {
  const headers = new Set(tableHeaders(text))
  const inline = new Map<string, AnswerResult>()
  const after: AnswerResult[] = []
  for (const r of results) {
    const key = headerKey(r.result.columns)
    if (headers.has(key) && !inline.has(key)) inline.set(key, r)
    else if (r.result.rows.length * r.result.columns.length > 1) after.push(r)
  }
  return { inline, after }
}
