import { highlight } from '../lib/highlighter'
import { CopyButton } from './CopyButton'

/** A fenced code block: highlighted (sql/python/json), with its language and a copy button. */
export function CodeBlock({ code, language }: { code: string; language?: string }) {
  const html = highlight(code, language)
  return (
    <div className="code-block" data-testid="code-block">
      <div className="code-block__bar">
        <span className="code-block__lang">{language ?? 'text'}</span>
        <CopyButton text={code} label="Copy code" />
      </div>
      <pre>
        {html !== null ? (
          <code className={`hljs language-${language}`} dangerouslySetInnerHTML={{ __html: html }} />
        ) : (
          <code>{code}</code>
        )}
      </pre>
    </div>
  )
}
