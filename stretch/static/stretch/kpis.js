// KPI form: show only the limits of the band chosen (without JavaScript both sets show, with hints).
function showBandLimits(select) {
  const form = select.form;
  if (!form) return;
  for (const fieldset of form.querySelectorAll("fieldset.limits[data-bands]")) {
    fieldset.hidden = !fieldset.dataset.bands.split(" ").includes(select.value);
  }
}

document.addEventListener("change", (event) => {
  if (event.target.matches("select.kpi-band")) showBandLimits(event.target);
});
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select.kpi-band")) showBandLimits(select);
});
