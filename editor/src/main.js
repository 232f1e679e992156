// The Arena's Lean editor. Progressive enhancement: every <textarea data-lean-editor> stays the
// form's field (a browser without JavaScript posts it as it is); with JavaScript it is hidden
// and a CodeMirror editor shows and edits its text, writing every change back into it, so the
// form posts exactly the text the editor shows.
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
} from "@codemirror/view";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { classHighlighter } from "@lezer/highlight";
import { lean4 } from "./lean-language.js";
import { leanUnicodeInput, finishAbbreviation, provider } from "./unicode-input.js";
import { leanDiagnostics, offsetOfCodePointColumn } from "./diagnostics.js";
import { goalsPanel, leanPosition, stateAt } from "./goals.js";

function cspNonce() {
  const meta = document.querySelector('meta[name="csp-nonce"]');
  return meta ? meta.content : "";
}

function readJson(id) {
  const element = id && document.getElementById(id);
  if (!element) return null;
  try {
    return JSON.parse(element.textContent);
  } catch {
    return null;
  }
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage refused (privacy settings): the editor works without drafts
  }
}

function mountEditor(textarea) {
  const form = textarea.form;
  const draftKey = textarea.dataset.draftKey;
  const store = storage();
  const template = readJson(textarea.dataset.templateId);
  // The server's text wins when it is a submission reopened or a refused post; else the draft.
  const serverChosen = textarea.dataset.source === "submission" || textarea.dataset.source === "post";
  const draft = draftKey && store ? store.getItem(draftKey) : null;
  const initial = !serverChosen && draft !== null ? draft : textarea.value;
  const label = document.querySelector(`label[for="${textarea.id}"]`);

  const sync = EditorView.updateListener.of((update) => {
    if (!update.docChanged) return;
    const text = update.state.doc.toString();
    textarea.value = text;
    if (draftKey && store) {
      try {
        store.setItem(draftKey, text);
      } catch {
        /* storage full: keep editing */
      }
    }
  });

  const goals = goalsPanel(textarea);

  const view = new EditorView({
    state: EditorState.create({
      doc: initial,
      extensions: [
        EditorView.cspNonce.of(cspNonce()),
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        indentUnit.of("  "),
        EditorState.tabSize.of(2),
        bracketMatching(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        lean4,
        syntaxHighlighting(classHighlighter),
        leanUnicodeInput(),
        lintGutter(),
        keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap]),
        EditorView.lineWrapping,
        // Through the view's attributes: a class added to view.dom by hand is dropped on the next
        // update (the first focus), and with it the editor's height and border.
        EditorView.editorAttributes.of({ class: "lean-editor" }),
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.trim() : "Lean code",
          "aria-describedby": "editor-help",
          "data-testid": "lean-editor",
        }),
        sync,
        goals ? goals.extension : [],
      ],
    }),
  });
  textarea.value = initial;
  textarea.hidden = true;
  textarea.insertAdjacentElement("afterend", view.dom);
  // The help that only holds with the editor (abbreviations, drafts) shows only with it.
  const help = document.getElementById("editor-help");
  if (help) help.hidden = false;
  if (label) label.addEventListener("click", () => view.focus());

  // After a failed attempt, Lean's messages at their places, as long as the text is that attempt's.
  const attempt = readJson(textarea.dataset.attemptId);
  if (attempt && attempt.code === initial && attempt.messages && attempt.messages.length) {
    view.dispatch(setDiagnostics(view.state, leanDiagnostics(view.state.doc, attempt.messages)));
  }

  const reset = form && form.querySelector("[data-reset-template]");
  if (reset && typeof template === "string") {
    reset.hidden = false;
    reset.addEventListener("click", () => {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: template } });
      view.focus();
    });
  }
  if (form) {
    form.addEventListener("submit", () => {
      finishAbbreviation(view);
      textarea.value = view.state.doc.toString();
    });
  }
  if (goals) goals.attach(view);
  textarea.arenaEditor = view;
  return view;
}

function mountAll() {
  document.querySelectorAll("textarea[data-lean-editor]").forEach(mountEditor);
  document.documentElement.classList.add("editor-ready");
}

// For the tests and the curious: the pieces that hold the logic.
window.arenaEditor = { provider, offsetOfCodePointColumn, leanDiagnostics, leanPosition, stateAt };

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
else mountAll();
