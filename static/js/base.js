// Every page: the class chooser in the navigation bar changes class as soon as one is picked.
const chooser = document.getElementById("class-chooser");
if (chooser) {
  document.getElementById("class-choose-button").classList.add("d-none");
  document.getElementById("class-select").addEventListener("change", () => chooser.requestSubmit());
}

// Every "?" beside a term opens its explanation (one at a time); Escape or a click elsewhere closes it.
const helpButtons = [...document.querySelectorAll('[data-bs-toggle="popover"]')];
helpButtons.forEach((button) => new bootstrap.Popover(button));
const hideHelp = (except) => helpButtons.forEach((button) => {
  if (button !== except) bootstrap.Popover.getInstance(button)?.hide();
});
document.addEventListener("click", (event) => { if (!event.target.closest(".popover")) hideHelp(event.target); });
document.addEventListener("keydown", (event) => { if (event.key === "Escape") hideHelp(null); });
