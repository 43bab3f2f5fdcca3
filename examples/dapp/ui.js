// ui.js — the few DOM helpers both example pages share: one place for
// errors (always visible, never swallowed), a status line, and an activity
// list of what was broadcast.

export const $ = (id) => document.getElementById(id);

/** showError puts err on the page (and the console) until cleared. */
export function showError(err) {
  console.error(err);
  const box = $('error');
  box.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = err.title || 'Error';
  const detail = document.createElement('span');
  detail.className = 'detail';
  detail.textContent = err.detail !== undefined ? err.detail : String(err.message || err);
  box.append(title, detail);
  if (err.code) box.dataset.code = err.code;
  else delete box.dataset.code;
  box.hidden = false;
  status('');
}

export function clearError() {
  $('error').hidden = true;
  $('error').replaceChildren();
}

/** status shows what the page is doing right now ('' hides it). */
export function status(text) {
  const el = $('status');
  el.textContent = text;
  el.hidden = !text;
}

/** txSummary pulls the transaction id and block out of a broadcast answer. */
export function txSummary(res) {
  const r = (res && res.result) || res || {};
  const id = r.id || r.tx_id || r.transaction_id || '';
  const block = r.block_num || r.block || '';
  return { id, block };
}

/** addResult appends one line to the activity list. */
export function addResult(what, res) {
  const { id, block } = txSummary(res);
  const li = document.createElement('li');
  li.className = 'ok';
  const name = document.createElement('strong');
  name.textContent = what;
  const info = document.createElement('span');
  info.textContent = id
    ? ` — transaction ${id.slice(0, 12)}…${block ? ' included in block ' + block : ' sent'}`
    : ' — ' + JSON.stringify(res);
  li.append(name, info);
  if (id) li.dataset.tx = id;
  if (block) li.dataset.block = String(block);
  $('results').prepend(li);
}

/**
 * guard runs an async action for a button: disables it meanwhile, shows
 * `busy` as status, and shows any error. An action that starts a page
 * navigation returns 'navigating': the status then stays, since the page
 * remains visible until the signer answers.
 */
export function guard(button, busy, action) {
  button.addEventListener('click', async (ev) => {
    ev.preventDefault();
    clearError();
    button.disabled = true;
    status(busy);
    try {
      if ((await action()) !== 'navigating') status('');
    } catch (e) {
      showError(e);
    } finally {
      button.disabled = false;
    }
  });
}

// Errors nobody caught still reach the user.
window.addEventListener('unhandledrejection', (ev) => showError(ev.reason));
window.addEventListener('error', (ev) => showError(ev.error || ev.message));
