// Apollo Client (core entry, no React) with its persisted-query link, against a running gateway.
// Usage: GATEWAY_TOKEN=... node apollo.mjs URL get|post DOCUMENT.graphql...
// Runs each document once and prints one JSON object: {data: {file: data}, errors: {file:
// message}, requests: [{method, hash, withQuery, status, codes}]}: every HTTP request the
// client sent, in order, so the caller can check the APQ sequence the server answered.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';

const [url, mode, ...files] = process.argv.slice(2);
const token = process.env.GATEWAY_TOKEN;
if (!url || !['get', 'post'].includes(mode) || files.length === 0 || !token) {
  console.error('usage: GATEWAY_TOKEN=... node apollo.mjs URL get|post DOCUMENT.graphql...');
  process.exit(2);
}

const requests = [];

// Node 20's global fetch, with every request and the codes of its answer written down.
async function recordingFetch(input, init = {}) {
  const method = (init.method || 'GET').toUpperCase();
  let payload;
  if (method === 'GET') {
    const params = new URL(String(input)).searchParams;
    payload = {
      query: params.get('query'),
      extensions: params.get('extensions') ? JSON.parse(params.get('extensions')) : undefined,
    };
  } else {
    payload = JSON.parse(init.body);
  }
  const response = await fetch(input, init);
  let codes = [];
  try {
    const body = await response.clone().json();
    codes = (body.errors || []).map((error) => error.extensions?.code ?? error.message);
  } catch {
    codes = ['(not JSON)'];
  }
  requests.push({
    method,
    hash: payload.extensions?.persistedQuery?.sha256Hash ?? null,
    withQuery: typeof payload.query === 'string' && payload.query.length > 0,
    status: response.status,
    codes,
  });
  return response;
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createPersistedQueryLink({ sha256, useGETForHashedQueries: mode === 'get' }).concat(
    new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, fetch: recordingFetch }),
  ),
});

const data = {};
const errors = {};
for (const file of files) {
  const query = gql(await readFile(file, 'utf8'));
  try {
    const result = await client.query({ query, fetchPolicy: 'network-only' });
    data[basename(file)] = result.data;
  } catch (error) {
    errors[basename(file)] = String(error && error.message ? error.message : error);
  }
}
console.log(JSON.stringify({ data, errors, requests }));
