'use strict';

// A minimal signature v1 (HMAC-SHA1) signer and HTTP sender, written from spec/smartag-api.md §2.2.
// The SDKs choose Format, Timestamp and SignatureNonce themselves, so the cases that need control over
// those (Format=XML, a replayed nonce, an expired timestamp) are sent with this instead.

const crypto = require('node:crypto');
const http = require('node:http');

const { API_VERSION, REQUEST_TIMEOUT_MS } = require('./clients');

/** RFC 3986 percent-encoding as §2.2 step 3: unreserved A–Z a–z 0–9 - _ . ~ kept, everything else %XY upper-case. */
function percentEncode(value) {
  return encodeURIComponent(String(value)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Flattens list values to Name.1, Name.2 (1-based), as the SDKs do (§1.0). */
function flatten(params) {
  const flat = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) {
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        flat[`${key}.${i + 1}`] = String(item);
      });
    } else {
      flat[key] = String(value);
    }
  }
  return flat;
}

function canonicalQuery(flat) {
  return Object.keys(flat)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(flat[k])}`)
    .join('&');
}

function stringToSign(method, flat) {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(flat))}`;
}

function sign(method, flat, secret) {
  return crypto.createHmac('sha1', `${secret}&`).update(stringToSign(method, flat), 'utf8').digest('base64');
}

/** UTC yyyy-MM-ddTHH:mm:ssZ without milliseconds, as the clients send it. */
function timestamp(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nonce() {
  return crypto.randomBytes(16).toString('hex');
}

/**
 * Builds the full signed parameter set. `common` overrides the common parameters (Format, Timestamp,
 * SignatureNonce, AccessKeyId, ...); `secret` signs.
 */
function signedParams(action, params, { accessKeyId, accessKeySecret, method = 'GET', common = {} }) {
  const flat = flatten({
    Action: action,
    Format: 'JSON',
    Version: API_VERSION,
    Timestamp: timestamp(),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce(),
    AccessKeyId: accessKeyId,
    ...common,
    ...params,
  });
  flat.Signature = sign(method, flat, accessKeySecret);
  return flat;
}

function encodeForm(flat) {
  return Object.keys(flat)
    .map((k) => `${percentEncode(k)}=${percentEncode(flat[k])}`)
    .join('&');
}

/** Sends already-signed parameters; GET puts them in the query, POST in a form body. */
function send(endpoint, flat, method = 'GET') {
  const url = new URL(endpoint);
  const encoded = encodeForm(flat);
  const path = method === 'GET' ? `/?${encoded}` : '/';
  const body = method === 'GET' ? null : Buffer.from(encoded, 'utf8');
  const headers = { accept: '*/*' };
  if (body) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, method, headers, timeout: REQUEST_TIMEOUT_MS, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`raw ${method} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (body) {
      req.write(body);
    }
    req.end();
  });
}

/** Signs and sends in one go. */
function signedRequest(env, action, params = {}, { method = 'GET', common = {}, accessKeySecret } = {}) {
  const flat = signedParams(action, params, {
    accessKeyId: env.accessKeyId,
    accessKeySecret: accessKeySecret ?? env.accessKeySecret,
    method,
    common,
  });
  return send(env.endpoint, flat, method).then((res) => ({ ...res, params: flat }));
}

module.exports = { percentEncode, canonicalQuery, stringToSign, sign, timestamp, nonce, signedParams, send, signedRequest };
