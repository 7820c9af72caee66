/** Security headers of every dashboard page: same origin only, no inline script, no framing. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#0f1419;color:#e6e6e6}
header{padding:12px 20px;background:#1a2129;display:flex;gap:16px;align-items:baseline}
h1{font-size:18px;margin:0}h2{font-size:16px;margin:18px 0 6px}
main{padding:0 20px 20px}.muted{color:#8b949e}
table{border-collapse:collapse;width:100%;margin-bottom:8px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #26303a;white-space:nowrap}
th{color:#8b949e;font-weight:500}
.state{font-weight:600;padding:2px 8px;border-radius:10px}
.state-healthy{background:#12361f;color:#3fb950}
.state-half-open{background:#3b2e05;color:#d29922}
.state-cooling-down{background:#3d1214;color:#f85149}
.bar{display:inline-block;width:80px;height:8px;background:#26303a;border-radius:4px;vertical-align:middle;margin-right:6px;overflow:hidden}
.bar>span{display:block;height:100%;background:#388bfd}
.bar.wide{width:160px}
.batch-in_progress,.batch-validating,.batch-finalizing{background:#0c2d6b;color:#58a6ff}
.batch-completed{background:#12361f;color:#3fb950}
.batch-failed,.batch-expired{background:#3d1214;color:#f85149}
.batch-cancelling,.batch-cancelled{background:#26303a;color:#8b949e}
form{margin:60px auto;max-width:360px;display:flex;flex-direction:column;gap:10px}
input,button{font:inherit;padding:8px;border-radius:6px;border:1px solid #30363d;background:#0d1117;color:#e6e6e6}
button{background:#238636;border-color:#2ea043;cursor:pointer}.error{color:#f85149}
`;

/** The login page (shown with the 401): one field, posted to `/ui/login`. */
export function loginPage(error = false): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Switchyard — sign in</title><style>${STYLE}</style></head>
<body><form method="post" action="/ui/login"><h1>Switchyard dashboard</h1>
<label for="key">Master key</label><input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
${error ? '<p class="error" id="login-error">That is not the master key.</p>' : ''}<button type="submit">Sign in</button></form></body></html>`;
}

/** The dashboard shell; `/ui/app.js` fills it from `/ui/state`. */
export function dashboardPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Switchyard</title><style>${STYLE}</style></head>
<body><header><h1>Switchyard</h1><span class="muted" id="updated">connecting…</span>
<span class="muted"><a href="/admin/queues" style="color:#58a6ff">queues</a></span></header>
<main><div id="groups"></div><section id="batches"></section></main><script src="/ui/app.js"></script></body></html>`;
}
