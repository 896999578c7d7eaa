// Builds survey/static/ from GOV.UK Frontend and assets/: CSS from Sass, the JS module,
// and a neutral favicon. Run by `make assets`; the output is not committed.
import { compile } from 'sass'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'

const out = 'survey/static'
mkdirSync(out, { recursive: true })

const css = compile('assets/survey.scss', {
  style: 'compressed',
  importers: [new (await import('sass')).NodePackageImporter()],
  quietDeps: true
})
writeFileSync(`${out}/survey.css`, css.css)
copyFileSync('node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js', `${out}/govuk-frontend.min.js`)
copyFileSync('assets/survey.js', `${out}/survey.js`)
copyFileSync('assets/favicon.svg', `${out}/favicon.svg`)
console.log(`built ${out}: survey.css (${css.css.length} bytes), survey.js, govuk-frontend.min.js`)
