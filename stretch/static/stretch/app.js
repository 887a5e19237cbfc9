// Stretch: a little plain JavaScript, no inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("select.autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});
