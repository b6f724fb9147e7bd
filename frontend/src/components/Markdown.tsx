import { createContext, isValidElement, memo, useContext, type ReactElement, type ReactNode } from 'react'
import ReactMarkdown, { type Components, type ExtraProps } from 'react-markdown'
import remarkGfm from 'remark-gfm'
import { headerKey, type AnswerResult } from '../lib/resultPlacement'
import { CodeBlock } from './CodeBlock'
import { ResultView } from './ResultView'

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node)
  if (Array.isArray(node)) return node.map(textOf).join('')
  if (isValidElement(node)) return textOf((node.props as { children?: ReactNode }).children)
  return ''
}

interface HastNode {
  type: string
  tagName?: string
  value?: string
  children?: HastNode[]
}

function hastText(node: HastNode): string {
  return node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(hastText).join('')
}

/** The header cells of a Markdown table's syntax tree. */
function headerCells(table: HastNode | undefined): string[] {
  const thead = table?.children?.find((c) => c.tagName === 'thead')
  const row = thead?.children?.find((c) => c.tagName === 'tr')
  return (row?.children ?? []).filter((c) => c.tagName === 'th').map(hastText)
}

const NONE: ReadonlyMap<string, AnswerResult> = new Map()
const InlineResults = createContext(NONE)

/** A table restating one of the answer's query results is drawn as that result (see resultPlacement). */
function Table({ children, node }: React.ComponentProps<'table'> & ExtraProps) {
  const placed = useContext(InlineResults).get(headerKey(headerCells(node as HastNode | undefined)))
  if (placed) return <ResultView result={placed.result} name={placed.id} />
  return (
    <div className="md-table">
      <table>{children}</table>
    </div>
  )
}

const components: Components = {
  // Fenced blocks arrive as <pre><code class="language-x">; render them as a CodeBlock.
  pre({ children }) {
    const code = (Array.isArray(children) ? children[0] : children) as ReactElement<{ className?: string; children?: ReactNode }>
    const className = isValidElement(code) ? (code.props.className ?? '') : ''
    const language = /language-([\w-]+)/.exec(className)?.[1]
    return <CodeBlock code={textOf(code).replace(/\n$/, '')} language={language} />
  },
  table: Table,
  a({ children, href }) {
    return (
      <a href={href} target="_blank" rel="noreferrer noopener">
        {children}
      </a>
    )
  },
}

/** Answer text as GitHub-flavoured Markdown (no raw HTML: react-markdown escapes it). */
export const Markdown = memo(function Markdown({ text, inline = NONE }: { text: string; inline?: ReadonlyMap<string, AnswerResult> }) {
  return (
    <InlineResults.Provider value={inline}>
      <div className="markdown">
        <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
          {text}
        </ReactMarkdown>
      </div>
    </InlineResults.Provider>
  )
})
