import hljs from 'highlight.js/lib/core'
import json from 'highlight.js/lib/languages/json'
import python from 'highlight.js/lib/languages/python'
import sql from 'highlight.js/lib/languages/sql'

/** highlight.js core with only the languages this app shows (SQL, Python, JSON): a few kB, not 900. */
hljs.registerLanguage('sql', sql)
hljs.registerLanguage('python', python)
hljs.registerLanguage('json', json)

export function highlight(code: string, language: string | undefined): string | null {
  const lang = language?.toLowerCase()
  if (!lang || !hljs.getLanguage(lang)) return null
  return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value
}
