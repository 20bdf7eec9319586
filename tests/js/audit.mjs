// graphql-http's GraphQL-over-HTTP audits against a running gateway.
// Usage: node audit.mjs URL  (GATEWAY_TOKEN: a member token or API key, sent as a bearer)
// Prints one JSON object: {total, ok, failures: [{id, name, status, reason, httpStatus, body}]}.
import { auditServer } from 'graphql-http';

const [url] = process.argv.slice(2);
const token = process.env.GATEWAY_TOKEN;
if (!url || !token) {
  console.error('usage: GATEWAY_TOKEN=... node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

// Every request of the audit carries the credential: without one the gateway answers 401.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const failures = [];
for (const result of results) {
  if (result.status === 'ok') continue;
  let body = '';
  try {
    body = await result.response.clone().text();
  } catch {
    body = '(body already read)';
  }
  failures.push({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.reason,
    httpStatus: result.response.status,
    body: body.slice(0, 500),
  });
}
const ok = results.filter((result) => result.status === 'ok').length;
console.log(JSON.stringify({ total: results.length, ok, failures }, null, 2));
