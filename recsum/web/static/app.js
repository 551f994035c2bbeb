// The page of `recsum serve`: send a document, follow its job, show the summary beside the
// document and highlight the source span of the sentence under the pointer.
"use strict";

const $ = (id) => document.getElementById(id);
const POLL_MS = 250;
let shown = null; // {documentText, sentences}
let pinned = null; // the index of the clicked sentence, kept while the pointer moves
let following = null; // the id of the job being followed, which Cancel stops

function words(text) {
  return text.split(/\s+/).filter(Boolean).length;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function listItem(child) {
  const item = element("li");
  item.append(child);
  return item;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("status").replaceChildren();
  $("submit").disabled = false;
  $("cancel").hidden = true;
  following = null;
}

// Every answer of the API is JSON; anything else (a proxy's page, a dropped connection) is
// reported by its status alone.
async function answer(response) {
  try {
    return await response.json();
  } catch {
    return {error: `the server answered HTTP ${response.status} without a message`};
  }
}

async function loadSettings() {
  const settings = await answer(await fetch("/api/settings"));
  $("max-words").value = settings.max_words;
  const megabytes = (settings.max_upload_bytes / 2 ** 20).toFixed(1);
  $("limits").textContent = `PDF, HTML, Word (.docx), Markdown or text, up to ${megabytes} MB. ` +
    `Model: ${settings.model}; a summary may take up to ${settings.max_seconds} s.`;
}

function fileChosen() {
  const file = $("file").files[0];
  $("text").disabled = Boolean(file);
  $("clear-file").hidden = !file;
}

async function submit(event) {
  event.preventDefault();
  $("error").hidden = true;
  $("result").hidden = true;
  const form = new FormData();
  const file = $("file").files[0];
  if (file) form.append("file", file);
  else form.append("text", $("text").value);
  form.append("max_words", $("max-words").value);
  if ($("query").value.trim()) form.append("query", $("query").value);
  $("submit").disabled = true;
  $("status").replaceChildren(element("p", file ? `Uploading ${file.name}…` : "Sending…"));
  let response;
  try {
    response = await fetch("/api/jobs", {method: "POST", body: form});
  } catch (error) {
    showError(`The server could not be reached (${error.message}); is recsum serve running?`);
    return;
  }
  const job = await answer(response);
  if (!response.ok) showError(job.error);
  else follow(job.id);
}

async function follow(id) {
  if (following !== id) {
    following = id;
    $("cancel").hidden = false;
  }
  let job;
  try {
    const response = await fetch(`/api/jobs/${id}`);
    job = await answer(response);
    if (!response.ok) return showError(job.error);
  } catch (error) {
    return showError(`The server could not be reached (${error.message}).`);
  }
  if (job.status === "error" || job.status === "cancelled") return showError(job.error);
  showProgress(job);
  if (job.status === "done") showResult(job);
  else setTimeout(() => follow(id), POLL_MS);
}

function showProgress(job) {
  if (job.status === "done") {
    const levels = job.result.levels.length;
    $("status").replaceChildren(
      element("p", `Done in ${job.seconds.toFixed(1)} s, ${levels} level(s).`, "done"));
    return;
  }
  const rows = [];
  if (job.status === "reading") {
    rows.push(element("p", `Reading ${job.source}…`));
  } else if (job.status === "queued") {
    rows.push(element("p", `Waiting for the model: ${job.position - 1} summary(ies) ahead.`));
  } else if (job.status === "running" && job.progress.length === 0) {
    rows.push(element("p", "Splitting the document into sentences and chunks…"));
  }
  for (const bar of job.progress) {
    const row = element("div", undefined, "level-progress");
    const meter = element("progress");
    meter.max = bar.total || 1;
    meter.value = bar.done;
    const count = element("span", `${bar.done} of ${bar.total} parts`);
    row.append(element("span", bar.label), meter, count);
    rows.push(row);
  }
  $("status").replaceChildren(...rows);
}

function showResult(job) {
  const result = job.result;
  shown = {documentText: job.document, sentences: result.sentences};
  pinned = null;
  $("document-title").textContent = `Document: ${job.source}, ${result.input_words} words`;
  const summary = $("summary");
  summary.replaceChildren();
  // With a query, each sentence is followed by its relevance to it (the encoder's similarity).
  $("query-note").hidden = !result.query;
  $("query-note").textContent = result.query ? `Summarized for the query “${result.query}”; ` +
    "the number after each sentence is its relevance to it (higher: closer)." : "";
  result.sentences.forEach((sentence, index) => {
    const span = element("span", sentence.text, "sentence");
    span.dataset.index = index;
    span.tabIndex = 0;
    span.title = `characters ${sentence.start}–${sentence.end} of the document`;
    summary.append(span);
    if (result.query && sentence.relevance !== null) {
      const relevance = sentence.relevance.toFixed(2);
      span.title += `; relevance to the query ${relevance}`;
      summary.append(element("span", relevance, "relevance"));
    }
    summary.append(" ");
  });
  showTree(result);
  $("download-summary").href = `/api/jobs/${job.id}/summary.txt`;
  $("download-provenance").href = `/api/jobs/${job.id}/provenance.json`;
  highlight(null);
  $("result").hidden = false;
  $("submit").disabled = false;
  $("cancel").hidden = true;
  following = null;
}

// The levels as a small tree: how many parts each had, and how much the text shrank.
function showTree(result) {
  const tree = $("tree");
  tree.replaceChildren(element("li", `Document: ${result.input_words} words`));
  let before = result.input_words;
  for (const level of result.levels) {
    const after = level.parts.reduce((sum, part) => sum + words(part.summary), 0);
    const percent = Math.round((100 * after) / Math.max(before, 1));
    const details = element("details");
    details.append(element("summary", `Level ${level.depth}: ${level.parts.length} part(s), ` +
      `${before} → ${after} words (${percent}%), ${level.seconds.toFixed(1)} s`));
    const parts = element("ol");
    for (const part of level.parts) {
      const button = element("button", `characters ${part.start}–${part.end}: ` +
        `${part.input_tokens} tokens → ${words(part.summary)} words`, "part");
      button.type = "button";
      button.addEventListener("click", () => showPart(part));
      parts.append(listItem(button));
    }
    details.append(parts);
    tree.append(listItem(details));
    before = after;
  }
  tree.append(element("li", `Summary: ${result.summary_words} words` +
    (result.truncated ? " (cut to the length asked for)" : "")));
}

// Show the document with [start, end) marked and scrolled into view; nothing marked for null.
function highlightSpan(start, end) {
  const view = $("document");
  const text = shown.documentText;
  if (start === null) {
    view.replaceChildren(text);
    return;
  }
  const mark = element("mark", text.slice(start, end));
  view.replaceChildren(text.slice(0, start), mark, text.slice(end));
  // Scroll the document panel only: moving the page would slide the summary away under the
  // pointer, and the sentence being read with it.
  view.scrollTop = mark.offsetTop - view.clientHeight / 3;
}

// A part of the tree takes the place of a clicked sentence: both marked would mislead.
function showPart(part) {
  pinned = null;
  highlight(null);
  highlightSpan(part.start, part.end);
}

function highlight(index) {
  for (const span of $("summary").querySelectorAll(".sentence")) {
    span.classList.toggle("active", Number(span.dataset.index) === index);
    span.classList.toggle("pinned", Number(span.dataset.index) === pinned);
  }
  const sentence = index === null ? null : shown.sentences[index];
  if (sentence) highlightSpan(sentence.start, sentence.end);
  else highlightSpan(null);
}

function sentenceOf(event) {
  const span = event.target.closest(".sentence");
  return span ? Number(span.dataset.index) : null;
}

function choose(index) {
  pinned = pinned === index ? null : index;
  highlight(pinned);
}

document.addEventListener("DOMContentLoaded", () => {
  loadSettings();
  $("form").addEventListener("submit", submit);
  $("cancel").addEventListener("click", () => {
    if (following) fetch(`/api/jobs/${following}`, {method: "DELETE"});
  });
  $("file").addEventListener("change", fileChosen);
  $("clear-file").addEventListener("click", () => {
    $("file").value = "";
    fileChosen();
  });
  const summary = $("summary");
  summary.addEventListener("mouseover", (event) => {
    const index = sentenceOf(event);
    if (index !== null) highlight(index);
  });
  summary.addEventListener("mouseleave", () => highlight(pinned));
  summary.addEventListener("click", (event) => {
    const index = sentenceOf(event);
    if (index !== null) choose(index);
  });
  summary.addEventListener("keydown", (event) => {
    const index = sentenceOf(event);
    if (index !== null && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      choose(index);
    }
  });
});
