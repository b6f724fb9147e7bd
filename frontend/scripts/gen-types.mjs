// Regenerates src/api/generated/wire.ts from the backend: `python -m backend.schema_export` writes the
// wire's JSON Schema (OpenAPI components + the stream's event union), json-schema-to-typescript turns it
// into types. Usage: node scripts/gen-types.mjs [OUT_FILE]  (npm run gen:types)
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compile } from 'json-schema-to-typescript'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const out = resolve(process.argv[2] ?? resolve(root, 'frontend/src/api/generated/wire.ts'))
const venvPython = resolve(root, '.venv/bin/python')
const python = process.env.PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3')

const schema = JSON.parse(execFileSync(python, ['-m', 'backend.schema_export'], { cwd: root, encoding: 'utf8' }))
const banner = [
  '/* eslint-disable */',
  '/**',
  ' * GENERATED FILE: do not edit. Regenerate with `npm run gen:types` (in frontend/), which runs',
  ' * `python -m backend.schema_export` (the backend\'s OpenAPI components and event union as JSON Schema)',
  ' * and json-schema-to-typescript. tests/unit/test_generated_types.py fails when this file is stale.',
  ' */',
].join('\n')
const ts = await compile(schema, 'Wire', {
  bannerComment: banner,
  additionalProperties: false,
  strictIndexSignatures: true,
  unknownAny: true,
  format: true,
  style: { semi: false, singleQuote: true, printWidth: 120 },
})
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, ts)
