// Calls ButterCMS's official JS SDK (buttercms 3.0.3) against any Butter-like base URL.
//
//   echo '{"base_url": "http://127.0.0.1:8700/v2", "token": "r-token",
//          "calls": [["page.retrieve", "landing_page", "home", {"levels": 1}]]}' | node runner.mjs
//
// Prints one JSON list: per call {ok, status, data, path} or {ok: false, status, error}.
// The SDK's base URL is a constant (https://api.buttercms.com/v2) and it sends every request
// through the global fetch, so the one way to aim it elsewhere is to rewrite that prefix in
// fetch: what docs/rehearse-your-site.md tells a site to do.
import Butter from "buttercms";

const BUTTER_BASE = "https://api.buttercms.com/v2";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function withoutToken(url) {
  const u = new URL(url);
  u.searchParams.delete("auth_token"); // never print a token
  return u.pathname + (u.search || "");
}

const input = JSON.parse(await readStdin());
const target = input.base_url.replace(/\/+$/, "");
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => {
  const text = String(url);
  return realFetch(text.startsWith(BUTTER_BASE) ? target + text.slice(BUTTER_BASE.length) : text, init);
};

const butter = Butter(input.token, { timeout: input.timeout_ms ?? 10000 });
const results = [];
for (const [name, ...args] of input.calls) {
  const [resource, method] = name.split(".");
  try {
    const resp = await butter[resource][method](...args);
    results.push({ ok: true, status: resp.status, data: resp.data, path: withoutToken(resp.config.url) });
  } catch (err) {
    results.push({ ok: false, status: err?.cause?.status ?? null, error: String(err?.message ?? err) });
  }
}
process.stdout.write(JSON.stringify(results));
