// Forms that undo or publish something ask first: <form data-confirm="Revoke this token?">.
// A file, not an inline handler: the Content-Security-Policy runs no inline script.
document.addEventListener("submit", (event) => {
  const question = event.target instanceof HTMLFormElement ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
