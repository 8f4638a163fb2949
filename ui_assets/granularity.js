// Granularity slider over the N values stored in the index. Runs as gr.HTML js_on_load.
// props.choices: [{n, tokens}]; props.value: the chosen n. Moving it fires 'change' (on release).
function choose(index) {
  const choice = props.choices[index];
  if (!choice || String(choice.n) === String(props.value)) return;
  props.value = choice.n;
  trigger("change");
}
element.addEventListener("input", (event) => {
  if (!event.target.matches(".mme-g-range")) return;
  const choice = props.choices[Number(event.target.value)];
  const current = element.querySelector(".mme-g-current");
  if (choice && current) current.textContent = choice.n + " → " + choice.tokens + " tokens/image";
});
element.addEventListener("change", (event) => {
  if (event.target.matches(".mme-g-range")) choose(Number(event.target.value));
});
element.addEventListener("click", (event) => {
  const tick = event.target.closest(".mme-g-tick");
  if (tick) choose(Number(tick.dataset.index));
});
