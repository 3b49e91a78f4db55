// Every page: the class chooser in the navigation bar changes class as soon as one is picked.
const chooser = document.getElementById("class-chooser");
if (chooser) {
  document.getElementById("class-choose-button").classList.add("d-none");
  document.getElementById("class-select").addEventListener("change", () => chooser.requestSubmit());
}
