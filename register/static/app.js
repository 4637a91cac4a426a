// Register's small behaviours; no inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to an error summary so keyboard and screen-reader users hear what to fix.
  var summary = document.querySelector(".alert-error[tabindex='-1']");
  if (summary) { summary.focus(); }
});
