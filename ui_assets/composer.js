// Interleaved query composer: an ordered list of text boxes and images.
// Runs as gr.HTML js_on_load with (element, trigger, props, server, upload, watch) in scope.
// props.value is the list Python receives: {type:"text", text} | {type:"image", path|ref, name, url}.
// The server's limit (webapp.query.MAX_IMAGE_BYTES), handed over as a prop so both say the same.
const MAX_BYTES = props.max_image_bytes;
const MAX_MB = Math.round(MAX_BYTES / 1048576);
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp", "image/heic", "image/heif", "image/avif"];
// Some browsers give a phone's HEIC photo no type at all: its name says what it is.
const IMAGE_NAMES = /\.(png|jpe?g|webp|gif|bmp|heic|heif|avif)$/i;
const list = element.querySelector(".mme-items");
const empty = element.querySelector(".mme-empty");
const errorBox = element.querySelector(".mme-composer-error");
const fileInput = element.querySelector(".mme-file");
let items = [];
let nextId = 1;
let dragged = null;

function fromValue(value) {
  let parsed = value;
  if (typeof parsed === "string") {
    try { parsed = JSON.parse(parsed || "[]"); } catch (e) { parsed = []; }
  }
  return (Array.isArray(parsed) ? parsed : []).map((it) => ({ ...it, uid: nextId++ }));
}

function sync() {
  // A new array each time: the props proxy only notices a changed reference.
  props.value = items.map(({ uid, pending, ...rest }) => (pending ? { ...rest, pending: true } : rest));
}

function showError(message) {
  errorBox.textContent = message || "";
  errorBox.hidden = !message;
}

function button(cls, label, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = label;
  b.title = title;
  b.setAttribute("aria-label", title);
  b.addEventListener("click", onClick);
  return b;
}

function move(uid, delta) {
  const i = items.findIndex((it) => it.uid === uid);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= items.length) return;
  [items[i], items[j]] = [items[j], items[i]];
  sync();
  render();
}

function remove(uid) {
  items = items.filter((it) => it.uid !== uid);
  ensureTextBox();
  sync();
  render();
}

function renderItem(it, index) {
  const node = document.createElement("div");
  node.className = "mme-item mme-item-" + it.type + (it.pending ? " mme-pending" : "");
  node.dataset.uid = it.uid;
  node.dataset.index = index;
  node.dataset.type = it.type;
  node.draggable = true;
  const handle = document.createElement("span");
  handle.className = "mme-handle";
  handle.textContent = "⠿";
  handle.title = "Drag to move";
  node.appendChild(handle);
  if (it.type === "text") {
    const area = document.createElement("textarea");
    area.className = "mme-textbox";
    area.rows = 2;
    area.placeholder = "Describe what you see or want…";
    area.value = it.text || "";
    area.addEventListener("input", () => { it.text = area.value; sync(); });
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sync(); trigger("submit"); }
    });
    // Text stays selectable: only the handle starts a drag of a text box.
    area.addEventListener("mousedown", () => { node.draggable = false; });
    area.addEventListener("mouseup", () => { node.draggable = true; });
    area.addEventListener("blur", () => { node.draggable = true; });
    node.appendChild(area);
  } else {
    const img = document.createElement("img");
    img.className = "mme-thumb";
    img.src = it.url || "";
    img.alt = it.name || "image";
    img.draggable = false;
    node.appendChild(img);
    const name = document.createElement("span");
    name.className = "mme-name";
    name.textContent = it.pending ? "uploading…" : (it.name || "image");
    node.appendChild(name);
  }
  const tools = document.createElement("span");
  tools.className = "mme-tools";
  tools.appendChild(button("mme-up", "↑", "Move earlier", () => move(it.uid, -1)));
  tools.appendChild(button("mme-down", "↓", "Move later", () => move(it.uid, 1)));
  tools.appendChild(button("mme-remove", "×", "Remove", () => remove(it.uid)));
  node.appendChild(tools);
  return node;
}

function render(focusUid) {
  list.replaceChildren(...items.map(renderItem));
  empty.hidden = items.length > 0;
  element.classList.toggle("mme-has-items", items.length > 0);
  if (focusUid !== undefined) {
    const area = list.querySelector(`[data-uid="${focusUid}"] textarea`);
    if (area) area.focus();
  }
}

function addText(text, at) {
  const it = { type: "text", text: text || "", uid: nextId++ };
  items.splice(at === undefined ? items.length : at, 0, it);
  sync();
  render(it.uid);
}

async function addImages(files, at) {
  let position = at === undefined ? items.length : at;
  showError("");
  for (const file of files) {
    if (!IMAGE_TYPES.includes(file.type) && !IMAGE_NAMES.test(file.name || "")) {
      showError(`${file.name || "That file"} is not a PNG, JPEG, WebP, GIF, BMP, HEIC or AVIF image.`);
      continue;
    }
    if (file.size > MAX_BYTES) {
      showError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; query images up to ${MAX_MB} MB are accepted.`);
      continue;
    }
    const it = { type: "image", name: file.name || "pasted image", url: URL.createObjectURL(file), pending: true, uid: nextId++ };
    items.splice(position++, 0, it);
    sync();
    render();
    try {
      const uploaded = await upload(file);
      it.path = uploaded.path;
      delete it.pending;
      // A phone's HEIC (or a TIFF) the browser cannot draw: the server draws its thumbnail.
      if (!(await browserShows(it.url))) {
        try { it.url = await server.upload_preview(it.path); } catch (e) { /* keep the browser's own */ }
      }
    } catch (e) {
      items = items.filter((x) => x !== it);
      showError(`Could not upload ${it.name}: ${e && e.message ? e.message : e}`);
    }
    sync();
    render();
  }
}

function browserShows(url) {
  return new Promise((resolve) => {
    const probe = new Image();
    probe.onload = () => resolve(probe.naturalWidth > 0);
    probe.onerror = () => resolve(false);
    probe.src = url;
  });
}

// Where would a drop at x land? Items flow left to right and wrap, like words: the left half of an
// item means "before it", the right half "after it".
function dropIndex(event) {
  const target = event.target.closest(".mme-item");
  if (!target || !list.contains(target)) return items.length;
  const box = target.getBoundingClientRect();
  const index = Number(target.dataset.index);
  return event.clientX > box.left + box.width / 2 ? index + 1 : index;
}

function clearMarks() {
  list.querySelectorAll(".mme-drop-before, .mme-drop-after").forEach((n) => n.classList.remove("mme-drop-before", "mme-drop-after"));
}

list.addEventListener("dragstart", (event) => {
  const node = event.target.closest && event.target.closest(".mme-item");
  if (!node) return;
  dragged = Number(node.dataset.uid);
  node.classList.add("mme-dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", "mme-item:" + dragged);
});
list.addEventListener("dragend", () => { dragged = null; clearMarks(); render(); });
element.addEventListener("dragover", (event) => {
  event.preventDefault();
  clearMarks();
  const index = dropIndex(event);
  const nodes = list.querySelectorAll(".mme-item");
  if (index < nodes.length) nodes[index].classList.add("mme-drop-before");
  else if (nodes.length) nodes[nodes.length - 1].classList.add("mme-drop-after");
  element.classList.add("mme-dragover");
});
element.addEventListener("dragleave", (event) => {
  if (!element.contains(event.relatedTarget)) { clearMarks(); element.classList.remove("mme-dragover"); }
});
element.addEventListener("drop", (event) => {
  event.preventDefault();
  element.classList.remove("mme-dragover");
  const index = dropIndex(event);
  clearMarks();
  const files = Array.from((event.dataTransfer && event.dataTransfer.files) || []);
  if (dragged === null && files.length) { addImages(files, index); return; }
  if (dragged === null) return;
  const from = items.findIndex((it) => it.uid === dragged);
  if (from < 0) return;
  const [moving] = items.splice(from, 1);
  items.splice(from < index ? index - 1 : index, 0, moving);
  dragged = null;
  sync();
  render();
});
element.addEventListener("paste", (event) => {
  const files = Array.from((event.clipboardData && event.clipboardData.files) || []).filter((f) => f.type.startsWith("image/"));
  if (!files.length) return;
  event.preventDefault();
  const area = event.target.closest && event.target.closest(".mme-item");
  addImages(files, area ? Number(area.dataset.index) + 1 : undefined);
});

element.querySelector(".mme-add-text").addEventListener("click", () => addText(""));
fileInput.addEventListener("change", () => { addImages(Array.from(fileInput.files || [])); fileInput.value = ""; });
element.querySelector(".mme-clear").addEventListener("click", () => {
  items = [];
  ensureTextBox();
  showError("");
  sync();
  render(items[0].uid);
});

// An empty composer still offers one text box to type into (blank text is ignored by the search).
function ensureTextBox() {
  if (!items.length) items = [{ type: "text", text: "", uid: nextId++ }];
}
watch("value", () => { items = fromValue(props.value); ensureTextBox(); showError(""); render(); });
items = fromValue(props.value);
ensureTextBox();
render();
