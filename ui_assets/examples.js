// One-click example queries. Runs as gr.HTML js_on_load.
element.addEventListener("click", (event) => {
  const chip = event.target.closest(".mme-example");
  if (chip) trigger("select_example", { index: Number(chip.dataset.index) });
});
