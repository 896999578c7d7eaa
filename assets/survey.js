// Starts GOV.UK Frontend from a file (our CSP forbids inline scripts) and makes
// "Exit this page" leave no history entry for the survey where the browser allows it.
import { initAll, ExitThisPage } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}

ExitThisPage.prototype.exitPage = function () {
  document.body.classList.add('govuk-exit-this-page-hide-content')
  // location.replace swaps the survey page out of the tab's history, so Back
  // does not return to it (location.href, GOV.UK's default, would keep it).
  window.location.replace(this.$button.href)
}

initAll()
