'use strict';

// Requests as the old Go SDK (github.com/aliyun/alibaba-cloud-sdk-go, the generation Terraform's provider
// drives Smartag with; spec/smartag-acl-and-more.md §1.0, §1.15) sends them. No Go toolchain is needed:
// the wire form is small and read from its source (sdk/requests/rpc_request.go,
// sdk/auth/rpc_signature_composer.go, sdk/auth/signers/signer_access_key.go):
//   - method POST, every parameter in the query string (`/?` + url.Values.Encode), an empty
//     application/x-www-form-urlencoded body;
//   - common parameters Version, Action, Format=JSON, Timestamp, SignatureMethod=HMAC-SHA1,
//     SignatureType= (empty, and signed), SignatureVersion=1.0, SignatureNonce, AccessKeyId, and RegionId
//     (the client's region) whenever the request did not set one;
//   - url.Values.Encode sorts the keys and escapes with url.QueryEscape, so a space is sent as '+';
//     the string to sign uses the same pairs with '+' → %20, '*' → %2A, %7E → '~' (signature v1, §2.2).

const crypto = require('node:crypto');
const http = require('node:http');

const { API_VERSION, REQUEST_TIMEOUT_MS } = require('./clients');
const raw = require('./raw');

/** Go's url.QueryEscape: unreserved A–Z a–z 0–9 - _ . ~ kept, space as '+', everything else %XY. */
function goQueryEscape(value) {
  return encodeURIComponent(String(value))
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** url.Values.Encode: keys sorted, key=value joined by '&'. */
function goEncode(flat) {
  return Object.keys(flat)
    .sort()
    .map((k) => `${goQueryEscape(k)}=${goQueryEscape(flat[k])}`)
    .join('&');
}

/**
 * Signs and sends one RPC request the way the old Go SDK does. `regionId` is the client's region, added
 * as RegionId when `params` has none (rpc_signature_composer.go completeRpcSignParams).
 */
function goRequest(env, action, params, { regionId }) {
  const flat = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      flat[key] = String(value);
    }
  }
  Object.assign(flat, {
    Version: API_VERSION,
    Action: action,
    Format: 'JSON',
    Timestamp: raw.timestamp(),
    SignatureMethod: 'HMAC-SHA1',
    SignatureType: '',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomUUID(),
    AccessKeyId: env.accessKeyId,
  });
  if (!('RegionId' in flat)) {
    flat.RegionId = regionId;
  }
  flat.Signature = raw.sign('POST', flat, env.accessKeySecret);

  const url = new URL(env.endpoint);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': '0',
    'x-sdk-client': 'golang/1.0.0',
    'x-sdk-invoke-type': 'normal',
    'accept-encoding': 'identity',
    'user-agent': 'AlibabaCloud (linux; amd64) Go/go1.16 Core/1.61.1000',
  };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: `/?${goEncode(flat)}`, method: 'POST', headers, timeout: REQUEST_TIMEOUT_MS, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), params: flat }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Go-style ${action} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

module.exports = { goQueryEscape, goEncode, goRequest };
