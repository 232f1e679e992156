// The Goals panel (issue 27): Lean's proof state at the cursor, from the latest check, as Lean's
// own editors show it. A check is asked on the Check button, on Ctrl+Enter, and by itself once
// the typing stops for a moment; at most one is in flight (a later wish waits for it and then
// checks the text as it is by then). A result for text changed since is shown, marked stale.
// The page's form still posts the Check button without JavaScript; here it goes to the API.
import { keymap, EditorView } from "@codemirror/view";
import { Prec } from "@codemirror/state";
import { setDiagnostics } from "@codemirror/lint";
import { leanDiagnostics, positionOf } from "./diagnostics.js";

const IDLE_MS = 1500; // "stops typing for a moment"
const POLL_WAIT_S = 10; // each poll of a long check is held this long by the server

// Lean's position of a CodeMirror offset: a 1-based line and a column in code points.
export function leanPosition(doc, offset) {
  const line = doc.lineAt(offset);
  return { line: line.number, column: [...line.text.slice(0, offset - line.from)].length };
}

function before(a, b) {
  return a.line < b.line || (a.line === b.line && a.column <= b.column);
}

function contains(range, at) {
  const end = { line: range.end_line || range.line, column: range.end_line ? range.end_column : range.column };
  return before({ line: range.line, column: range.column }, at) && before(at, end);
}

function size(range) {
  return ((range.end_line || range.line) - range.line) * 100000 + ((range.end_column || 0) - range.column);
}

// What the panel shows at `at`: the sorry under the cursor, else the innermost tactic step.
export function stateAt(result, at) {
  if (!result) return null;
  const sorry = (result.sorries || []).find((s) => contains(s, at));
  if (sorry) return { kind: "sorry", range: sorry, goals: [sorry.goal] };
  const steps = (result.steps || []).filter((s) => contains(s, at));
  if (!steps.length) return null;
  steps.sort((a, b) => size(a) - size(b));
  const step = steps[0];
  return { kind: "step", range: step, before: step.goals_before || [], after: step.goals_after || [] };
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function goalList(title, goals) {
  const section = element("section", null, "goal");
  section.append(element("h4", title));
  if (!goals.length) section.append(element("p", "No goals."));
  goals.forEach((goal) => section.append(element("pre", goal)));
  return section;
}

function csrfToken(form) {
  const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export function goalsPanel(textarea) {
  const panel = document.querySelector("[data-goals-panel]");
  const checkUrl = textarea.dataset.checkUrl;
  if (!panel || !checkUrl) return null;
  const body = panel.querySelector("[data-goals-body]");
  const status = panel.querySelector("[data-goals-status]");
  const form = textarea.form;
  const button = form && form.querySelector("[data-check-button]");
  let view = null;
  let latest = null; // {code, result}
  let inFlight = false;
  let wanted = false;
  let idle = null;

  function say(text) {
    status.textContent = `${text} A check is not a submission: only a submission gets a verdict.`;
  }

  function render() {
    if (!view || !latest) return;
    const doc = view.state.doc;
    const stale = doc.toString() !== latest.code;
    panel.classList.toggle("stale", stale);
    body.replaceChildren();
    if (stale) {
      body.append(element("p", "The code changed since this check: what follows is the older text's.", "stale-note"));
    }
    const result = latest.result;
    if (result.refusal) body.append(element("p", result.refusal, "errorlist"));
    const at = leanPosition(doc, view.state.selection.main.head);
    const state = stateAt(result, at);
    const here = element("div", null, "goals-here");
    here.dataset.testid = "goals-at-cursor";
    if (state && state.kind === "sorry") {
      here.append(goalList(`The sorry on line ${state.range.line}`, state.goals));
    } else if (state) {
      here.append(goalList(`Before the tactic on line ${state.range.line}`, state.before));
      here.append(goalList("After it", state.after));
    } else if (result.status === "ok") {
      here.append(element("p", "Put the cursor in a proof (a tactic, a sorry) to see its goals here."));
    }
    body.append(here);
    if (result.status === "ok") {
      const open = result.open_theorems || [];
      body.append(
        element("p", open.length ? `Still open: ${open.join(", ")}.` : "No theorem left open (submit for the verdict)."),
      );
    }
    const sorries = result.sorries || [];
    if (sorries.length) {
      body.append(element("h4", `Every sorry (${sorries.length})`));
      const list = element("ul", null, "sorry-list");
      sorries.forEach((sorry) => {
        const item = element("li");
        const jump = element("button", `Line ${sorry.line}`, "link-button");
        jump.type = "button";
        jump.addEventListener("click", () => {
          const anchor = positionOf(view.state.doc, sorry.line, sorry.column);
          view.dispatch({ selection: { anchor }, scrollIntoView: true });
          view.focus();
        });
        item.append(jump, element("pre", sorry.goal));
        list.append(item);
      });
      body.append(list);
    }
    if (result.truncated) body.append(element("p", "The answer was cut short (a bound of the checker was hit).", "help"));
  }

  function show(code, result) {
    latest = { code, result };
    if (view && view.state.doc.toString() === code) {
      view.dispatch(setDiagnostics(view.state, leanDiagnostics(view.state.doc, result.messages || [])));
    }
    say(result.status === "ok" ? "Lean's proof state at the cursor, from the latest check." : "The check gave no proof state.");
    render();
  }

  async function follow(check) {
    // a check that takes longer than the request's wait: poll its id until it is answered
    while (check.status !== "finished") {
      // the site's own poll path only: the bundle loads nothing from elsewhere
      if (!/^\/api\/v1\/check\/[\w-]+\/$/.test(check.status_url || "")) throw new Error("no poll id");
      const response = await fetch(`${check.status_url}?wait=${POLL_WAIT_S}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`the check's poll answered ${response.status}`);
      check = await response.json();
    }
    return check;
  }

  async function check() {
    if (!view) return;
    if (inFlight) {
      wanted = true; // checked once the one in flight is answered
      return;
    }
    clearTimeout(idle);
    const code = view.state.doc.toString();
    if (latest && latest.code === code) return;
    inFlight = true;
    panel.classList.add("checking");
    say("Checking…");
    try {
      const response = await fetch(checkUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(form) },
        body: JSON.stringify({ problem: textarea.dataset.problem, code }),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 200 || response.status === 202) {
        const done = await follow(answer);
        show(code, done.result);
      } else {
        const fields = answer.fields ? Object.values(answer.fields).flat().join(" ") : "";
        say(`No check: ${fields || answer.detail || `the server answered ${response.status}`}`);
      }
    } catch (error) {
      say(`No check: ${error.message}.`);
    } finally {
      inFlight = false;
      panel.classList.remove("checking");
      if (wanted) {
        wanted = false;
        check();
      }
    }
  }

  const extension = [
    Prec.highest(
      keymap.of([
        {
          key: "Mod-Enter",
          run: () => {
            check();
            return true;
          },
        },
      ]),
    ),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) {
        clearTimeout(idle);
        idle = setTimeout(check, IDLE_MS);
      }
      if (update.docChanged || update.selectionSet) render();
    }),
  ];

  function attach(editorView) {
    view = editorView;
    if (button) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        check();
      });
    }
    // a check the page came with (?check=<id>, the form's Check without the editor's help)
    const initial = textarea.dataset.checkId && document.getElementById(textarea.dataset.checkId);
    if (initial) {
      try {
        const given = JSON.parse(initial.textContent);
        if (given.result) show(given.code, given.result);
        else follow(given).then((done) => show(given.code, done.result), () => {});
      } catch {
        /* no usable check: the panel waits for one */
      }
    }
  }

  return { extension, attach, check };
}
