/* Behaviour every page shares, kept out of the HTML (the Content-Security-Policy allows no
   inline script or event handler attributes). */
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.matches("[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});
