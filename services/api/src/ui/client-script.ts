import { BATCHES_JS } from './client-batches.js';

/**
 * The dashboard's script (served as `/ui/app.js`; no framework, no build step, no CDN). It polls
 * `/ui/state` every second and redraws every group: tiers in order, each deployment's state
 * (with the seconds left and the cause of a cooldown), in-flight vs max, rpm/tpm used vs limit,
 * requests and errors in the last minute, latency, and the group's queue depth; then the batches
 * with their progress ({@link BATCHES_JS}). Values are set with `textContent` only (never parsed
 * as HTML).
 */
export const CLIENT_JS = String.raw`'use strict';
(function () {
  var POLL_MS = 1000;
  var seen = {};
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function bar(used, limit) {
    var td = el('td');
    if (limit === null) { td.textContent = String(used); return td; }
    var b = el('span', 'bar'); var f = el('span');
    f.style.width = Math.min(100, Math.round((100 * used) / Math.max(1, limit))) + '%';
    b.appendChild(f); td.appendChild(b); td.appendChild(document.createTextNode(used + ' / ' + limit));
    return td;
  }
  function perMinute(key, dispatched, now) {
    var h = seen[key] || (seen[key] = []);
    h.push([now, dispatched]);
    while (h.length > 1 && h[0][0] < now - 60000) h.shift();
    return dispatched - h[0][1];
  }
${BATCHES_JS}  function row(d, now) {
    var tr = el('tr');
    tr.dataset.deployment = d.id;
    tr.appendChild(el('td', 'tier', d.tier));
    tr.appendChild(el('td', 'deployment', d.id));
    tr.appendChild(el('td', 'muted', d.model));
    var st = el('td');
    var badge = el('span', 'state state-' + d.state.replace(' ', '-'), d.state);
    st.appendChild(badge);
    if (d.state === 'cooling down') st.appendChild(el('span', 'muted cooldown', ' ' + Math.ceil(d.cooldown_remaining_ms / 1000) + ' s · ' + (d.cooldown_cause || 'unknown')));
    tr.appendChild(st);
    tr.appendChild(bar(d.in_flight, d.max_parallel_requests));
    tr.appendChild(bar(d.rpm_used, d.rpm_limit));
    tr.appendChild(bar(d.tpm_used, d.tpm_limit));
    tr.appendChild(el('td', 'requests', d.rpm_limit !== null ? d.rpm_used : perMinute(d.group + '/' + d.id, d.dispatched, now)));
    tr.appendChild(el('td', 'errors', d.failures_last_minute));
    tr.appendChild(el('td', 'latency', d.latency_ms === null ? '–' : Math.round(d.latency_ms) + ' ms'));
    tr.appendChild(el('td', 'dispatched', d.dispatched));
    return tr;
  }
  var HEAD = ['tier', 'deployment', 'model', 'state', 'in flight / max', 'rpm used / limit', 'tpm used / limit', 'requests (1 min)', 'errors (1 min)', 'latency (EWMA)', 'dispatched'];
  function render(s) {
    var main = document.getElementById('groups');
    var out = [];
    s.groups.forEach(function (g) {
      var sec = el('section', 'group');
      sec.dataset.group = g.name;
      var h = el('h2', null, g.name + ' ');
      h.appendChild(el('span', 'muted queue-depth', 'queue depth ' + g.queue_depth));
      sec.appendChild(h);
      var t = el('table'); var th = el('tr');
      HEAD.forEach(function (x) { th.appendChild(el('th', null, x)); });
      var thead = el('thead'); thead.appendChild(th); t.appendChild(thead);
      var body = el('tbody');
      g.deployments.forEach(function (d) { d.group = g.name; body.appendChild(row(d, s.now)); });
      t.appendChild(body); sec.appendChild(t); out.push(sec);
    });
    main.replaceChildren.apply(main, out);
  }
  function tick() {
    fetch('/ui/state', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; }
        return r.json();
      })
      .then(function (s) {
        if (!s) return;
        render(s);
        renderBatches(s.batches || []);
        document.getElementById('updated').textContent = 'live · ' + new Date(s.now).toLocaleTimeString();
      })
      .catch(function () { document.getElementById('updated').textContent = 'reconnecting…'; })
      .then(function () { setTimeout(tick, POLL_MS); });
  }
  tick();
})();
`;
