// A source document's text, with the quoted span (?start=&end=) highlighted and scrolled to.
"use strict";

async function show() {
  const ref = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
  const params = new URLSearchParams(location.search);
  const meta = await fetch(`/api/v1/documents/${encodeURIComponent(ref)}`);
  if (!meta.ok) throw new Error((await meta.json()).detail);
  const doc = await meta.json();
  document.title = `recotrack: ${doc.title}`;
  document.querySelector("#title").textContent = doc.title;
  document.querySelector("#meta").textContent = [doc.publisher, doc.published_on, doc.doc_type]
    .filter(Boolean).join(" · ");
  const text = await (await fetch(`/api/v1/documents/${doc.id}/text`)).text();
  const start = Number(params.get("start")), end = Number(params.get("end"));
  const source = document.querySelector("#source");
  if (params.has("start") && 0 <= start && start <= end && end <= text.length) {
    const mark = document.createElement("mark");
    mark.id = "quote";
    mark.textContent = text.slice(start, end);
    source.replaceChildren(text.slice(0, start), mark, text.slice(end));
    mark.scrollIntoView({ block: "center" });
  } else {
    source.textContent = text;
  }
  document.body.dataset.loaded = "true";
}

show().catch((error) => {
  const box = document.querySelector("#error");
  box.textContent = error.message;
  box.hidden = false;
});
