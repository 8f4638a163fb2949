// Result cards: expand to the full document (fetched on demand), and "more like this".
// Runs as gr.HTML js_on_load; server.full_document(token) is a Python function of this component.
element.addEventListener("click", async (event) => {
  const card = event.target.closest(".mme-card");
  if (!card) return;
  if (event.target.closest(".mme-more")) {
    trigger("more_like_this", { doc: card.dataset.doc });
    return;
  }
  const expand = event.target.closest(".mme-expand");
  if (!expand) return;
  const full = card.querySelector(".mme-full");
  const preview = card.querySelector(".mme-doc");
  if (!full.hidden) {
    full.hidden = true;
    preview.hidden = false;
    expand.textContent = "Show full document";
    // Collapsing a long document must not leave the reader far below the card it belonged to.
    if (card.getBoundingClientRect().top < 0) card.scrollIntoView({ block: "start" });
    return;
  }
  expand.disabled = true;
  expand.textContent = "Loading…";
  try {
    if (full.dataset.loadedFor !== card.dataset.doc) {
      full.innerHTML = await server.full_document(card.dataset.doc);
      full.dataset.loadedFor = card.dataset.doc;
    }
    full.hidden = false;
    preview.hidden = true;
    expand.textContent = "Show less";
  } catch (e) {
    expand.textContent = "Could not load the document";
  } finally {
    expand.disabled = false;
  }
});
