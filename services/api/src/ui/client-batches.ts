/**
 * The batches part of the dashboard's script (spliced into `/ui/app.js`, inside its closure: it
 * uses that script's `el` helper). `renderBatches(list)` redraws the "Batches" section: one row
 * per batch (`tr[data-batch]`), newest first, with its status, endpoint, a progress bar of
 * completed + failed over total (`.progress`, the percentage in `.percent`), the counts and its
 * creation time. Values are set with `textContent` only.
 */
export const BATCHES_JS = String.raw`
  var BATCH_HEAD = ['batch', 'status', 'endpoint', 'progress', 'completed', 'failed', 'created'];
  function batchRow(b) {
    var tr = el('tr');
    tr.dataset.batch = b.id;
    tr.appendChild(el('td', 'batch-id', b.id));
    var st = el('td'); st.appendChild(el('span', 'state batch-' + b.status, b.status)); st.className = 'status-cell';
    tr.appendChild(st);
    tr.appendChild(el('td', 'muted endpoint', b.endpoint));
    var done = b.completed + b.failed;
    var pct = b.total > 0 ? Math.min(100, Math.floor((100 * done) / b.total)) : 0;
    var td = el('td', 'progress');
    var bar = el('span', 'bar wide'); var fill = el('span');
    fill.style.width = pct + '%';
    bar.appendChild(fill); td.appendChild(bar);
    td.appendChild(el('span', 'done', done + ' / ' + b.total + ' '));
    td.appendChild(el('span', 'muted percent', pct + '%'));
    tr.appendChild(td);
    tr.appendChild(el('td', 'completed', b.completed));
    tr.appendChild(el('td', 'failed', b.failed));
    tr.appendChild(el('td', 'muted created', new Date(b.created_ms).toLocaleTimeString()));
    return tr;
  }
  function renderBatches(list) {
    var sec = document.getElementById('batches');
    var h = el('h2', null, 'Batches ');
    h.appendChild(el('span', 'muted batch-count', list.length ? list.length + ' shown' : 'none'));
    var parts = [h];
    if (list.length) {
      var t = el('table'); var th = el('tr');
      BATCH_HEAD.forEach(function (x) { th.appendChild(el('th', null, x)); });
      var thead = el('thead'); thead.appendChild(th); t.appendChild(thead);
      var body = el('tbody');
      list.forEach(function (b) { body.appendChild(batchRow(b)); });
      t.appendChild(body); parts.push(t);
    }
    sec.replaceChildren.apply(sec, parts);
  }
`;
