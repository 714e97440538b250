/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Renders a small standalone HTML page. `bodyHtml` must already be escaped. The styles are
 * inline, which the app's Content-Security-Policy allows for styles only.
 */
export function renderPage(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #213343; line-height: 1.5; }
  h1 { font-size: 1.5rem; }
  .error h1 { color: #b3261e; }
  code { background: #f1f4f8; padding: 0 .25rem; border-radius: 3px; }
  a.button { display: inline-block; margin-top: 1rem; padding: .5rem 1rem; background: #ff7a59; color: #fff; border-radius: 4px; text-decoration: none; }
</style>
</head>
<body>
${bodyHtml}
</body>
</html>
`;
}

/**
 * Renders the page at `/`: a notice that the web process is running, with links to the install
 * and the health checks. It shows no configuration and no portal data, because anyone can open it.
 */
export function renderHomePage(): string {
  return renderPage(
    'CS Health',
    `<main>
<h1>CS Health is running</h1>
<p>This is the web process of CS Health, account health scores for HubSpot companies.</p>
<ul>
<li><a href="/oauth/install">Install CS Health in a HubSpot portal</a></li>
<li><a href="/healthz">Health check</a> (<code>/healthz</code>: the process is up)</li>
<li><a href="/readyz">Readiness check</a> (<code>/readyz</code>: Redis responds and a worker ran a recent canary job)</li>
</ul>
</main>`,
  );
}
