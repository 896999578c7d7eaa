// Starts GOV.UK Frontend from a file (our CSP forbids inline scripts) and makes
// "Exit this page" leave nothing behind (docs/privacy.md, "Leaving leaves nothing
// behind"). The survey works without this file; it only adds to what the server does.
import { initAll, ExitThisPage } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}

// Takes every form of answers out of the page, ticked boxes, typed text and the
// earlier answers in hidden fields, so a copy of the page kept by the browser holds none.
function forgetAnswers () {
  for (const form of document.querySelectorAll('form[data-survey-answers]')) {
    form.remove()
  }
}

ExitThisPage.prototype.exitPage = function () {
  document.body.classList.add('govuk-exit-this-page-hide-content')
  forgetAnswers()
  // location.replace swaps the survey page out of the tab's history, so Back
  // does not return to it (location.href, GOV.UK's default, would keep it).
  window.location.replace(this.$button.href)
}

initAll()

// A page of questions shown again from the back/forward cache (Back, in a browser that
// keeps such pages) would bring its answers back: blank it and go to the start page
// instead. Registered after initAll, so it runs after GOV.UK's own pageshow handler,
// which would show the hidden content again.
window.addEventListener('pageshow', function (event) {
  const form = document.querySelector('form[data-survey-answers]')
  if (!event.persisted || !form) {
    return
  }
  const start = form.dataset.surveyStart
  document.body.classList.add('govuk-exit-this-page-hide-content')
  forgetAnswers()
  window.location.replace(start)
})

// Staff pages: a copy button beside each read-only field marked data-survey-copy (the
// link page's address and e-mail), labelled with the attribute's value. Without this
// file there is no button, and the field is still there to select and copy by hand.
async function copyField (field) {
  try {
    await navigator.clipboard.writeText(field.value)
    return true
  } catch {
    // No clipboard API (a page served over plain http) or no permission: copy the
    // selection instead, and leave it selected for the keyboard if that fails too.
    field.focus()
    field.select()
    try {
      return document.execCommand('copy')
    } catch {
      return false
    }
  }
}

for (const field of document.querySelectorAll('[data-survey-copy]')) {
  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'govuk-button govuk-button--secondary'
  button.textContent = field.dataset.surveyCopy
  const status = document.createElement('span')
  status.className = 'govuk-body govuk-!-margin-bottom-0'
  status.setAttribute('role', 'status')
  const group = document.createElement('div')
  group.className = 'govuk-button-group govuk-!-margin-top-2 govuk-!-margin-bottom-0'
  group.append(button, status)
  button.addEventListener('click', async function () {
    status.textContent = ''
    const copied = await copyField(field)
    status.textContent = copied ? 'Copied' : 'Selected: press Ctrl and C (or Command and C) to copy'
  })
  field.after(group)
}
