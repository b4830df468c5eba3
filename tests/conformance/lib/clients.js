'use strict';

// The four ways the official Node.js clients talk to a Smartag endpoint (spec/smartag-api.md §5):
//   pop-get     @alicloud/pop-core RPCClient, GET, signature v1 in the query string
//   pop-post    @alicloud/pop-core RPCClient, {method: 'POST'}, every parameter in a form body
//   openapi-v3  @alicloud/openapi-client callApi, default ACS3-HMAC-SHA256 (business parameters in the query)
//   openapi-v2  @alicloud/openapi-client callApi with signatureAlgorithm 'v2' (signature v1 in the query)
// Each flavour is wrapped in the same small interface so a scenario can run one step through all of them:
//   await client.call(action, params)  -> the parsed JSON body of a success
//   await client.fail(action, params)  -> a normalised error { code, status, data } (throws if the call succeeded)

const fs = require('node:fs');

const RPCClient = require('@alicloud/pop-core');
const OpenApi = require('@alicloud/openapi-client');
const OpenApiUtil = require('@alicloud/openapi-util').default;
const Util = require('@alicloud/tea-util');

const API_VERSION = '2018-03-13';
// Every HTTP exchange is bounded; a hung server fails the step instead of the whole test run.
const REQUEST_TIMEOUT_MS = 15000;

// When OPENSAG_CONFORMANCE_RECORD names a file, every call and fail through these clients appends a line
// {"action","client","outcome":"answer"|"error"} to it. NodeConformanceTests compares what each scenario did with
// tests/conformance/coverage.json, from which docs/api-coverage.md says which client exercises which action.
const RECORD_FILE = process.env.OPENSAG_CONFORMANCE_RECORD;

function recorded(client) {
  if (!RECORD_FILE) {
    return client;
  }
  const note = (action, outcome) => fs.appendFileSync(RECORD_FILE, `${JSON.stringify({ action, client: client.name, outcome })}\n`);
  return {
    ...client,
    async call(action, params) {
      const body = await client.call(action, params);
      note(action, 'answer');
      return body;
    },
    async fail(action, params) {
      const err = await client.fail(action, params);
      note(action, 'error');
      return err;
    },
  };
}

function popClient(env, method, overrides = {}) {
  const accessKeyId = overrides.accessKeyId ?? env.accessKeyId;
  const accessKeySecret = overrides.accessKeySecret ?? env.accessKeySecret;
  const rpc = new RPCClient({
    endpoint: env.endpoint,
    apiVersion: API_VERSION,
    accessKeyId,
    accessKeySecret,
    opts: { timeout: REQUEST_TIMEOUT_MS },
  });
  const opts = method === 'POST' ? { method: 'POST' } : {};
  return recorded({
    name: method === 'POST' ? 'pop-post' : 'pop-get',
    family: 'pop-core',
    async call(action, params = {}) {
      try {
        return await rpc.request(action, params, { ...opts });
      } catch (err) {
        throw describeFailure(this.name, action, err);
      }
    },
    async fail(action, params = {}) {
      let body;
      try {
        body = await rpc.request(action, params, { ...opts });
      } catch (err) {
        if (!err || typeof err.code !== 'string' || !err.data) {
          throw describeFailure(this.name, action, err, 'expected an API error with a Code, got');
        }
        // pop-core looks only at the body's Code; the status is still on the exchange it records.
        const status = err.entry && err.entry.response ? err.entry.response.statusCode : undefined;
        return { client: this.name, code: err.code, status, data: err.data, raw: err };
      }
      throw new Error(`[${this.name}] ${action}: expected an error, but it succeeded with ${JSON.stringify(body)}`);
    },
  });
}

function openApiClient(env, algorithm, overrides = {}) {
  const url = new URL(env.endpoint);
  const config = new OpenApi.Config({
    accessKeyId: overrides.accessKeyId ?? env.accessKeyId,
    accessKeySecret: overrides.accessKeySecret ?? env.accessKeySecret,
    // openapi-client wants host[:port] without a scheme and takes the scheme from `protocol` (§5.2).
    endpoint: url.host,
    protocol: 'HTTP',
    readTimeout: REQUEST_TIMEOUT_MS,
    connectTimeout: REQUEST_TIMEOUT_MS,
  });
  if (algorithm === 'v2') {
    config.signatureAlgorithm = 'v2';
  }
  const client = new OpenApi.default(config);
  const name = algorithm === 'v2' ? 'openapi-v2' : 'openapi-v3';

  async function invoke(action, params) {
    const apiParams = new OpenApi.Params({
      action,
      version: API_VERSION,
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    // OpenApiUtil.query flattens lists to Name.1, Name.2 as the generated Smartag client does (§1.0).
    const request = new OpenApi.OpenApiRequest({ query: OpenApiUtil.query(params) });
    return client.callApi(apiParams, request, new Util.RuntimeOptions({}));
  }

  return recorded({
    name,
    family: 'openapi-client',
    async call(action, params = {}) {
      let response;
      try {
        response = await invoke(action, params);
      } catch (err) {
        throw describeFailure(name, action, err);
      }
      if (response.statusCode !== 200) {
        throw new Error(`[${name}] ${action}: expected HTTP 200, got ${response.statusCode}: ${JSON.stringify(response.body)}`);
      }
      return response.body;
    },
    async fail(action, params = {}) {
      let response;
      try {
        response = await invoke(action, params);
      } catch (err) {
        if (!err || typeof err.code !== 'string' || !err.data) {
          throw describeFailure(name, action, err, 'expected an API error with a Code, got');
        }
        // Tea adds the status to the parsed error body; keep the wire body apart from it.
        const { statusCode, ...data } = err.data;
        return { client: name, code: err.code, status: err.statusCode, bodyStatus: statusCode, data, raw: err };
      }
      throw new Error(`[${name}] ${action}: expected an error, but it succeeded with HTTP ${response.statusCode} ${JSON.stringify(response.body)}`);
    },
  });
}

function describeFailure(clientName, action, err, prefix = 'failed') {
  const parts = [`[${clientName}] ${action} ${prefix}: ${err && err.name ? err.name + ': ' : ''}${err && err.message ? err.message : String(err)}`];
  if (err && err.data) {
    parts.push(`body: ${JSON.stringify(err.data)}`);
  }
  const wrapped = new Error(parts.join('\n  '));
  wrapped.cause = err;
  return wrapped;
}

/** All four client flavours with the environment's credentials. */
function allClients(env, overrides = {}) {
  return [
    popClient(env, 'GET', overrides),
    popClient(env, 'POST', overrides),
    openApiClient(env, 'v3', overrides),
    openApiClient(env, 'v2', overrides),
  ];
}

module.exports = { allClients, popClient, openApiClient, API_VERSION, REQUEST_TIMEOUT_MS };
