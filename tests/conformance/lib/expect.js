'use strict';

// Shape checks shared by every scenario (spec/smartag-api.md §4, DESIGN.md §2).

const assert = require('node:assert/strict');

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const SMART_AG_ID = /^sag-[a-z0-9]{20}$/;

function label(ctx) {
  return ctx ? `${ctx}: ` : '';
}

/** A success body: an object with an upper-case UUID RequestId and never a Code field. */
function success(body, ctx) {
  assert.ok(body && typeof body === 'object' && !Array.isArray(body), `${label(ctx)}success body is not a JSON object: ${JSON.stringify(body)}`);
  assert.match(String(body.RequestId), REQUEST_ID, `${label(ctx)}RequestId is not an upper-case UUID in ${JSON.stringify(body)}`);
  assert.equal(typeof body.RequestId, 'string', `${label(ctx)}RequestId must be a string`);
  assert.ok(!('Code' in body), `${label(ctx)}a success body must not carry a Code field: ${JSON.stringify(body)}`);
  return body;
}

/** A success body that is exactly {"RequestId": "..."}. */
function onlyRequestId(body, ctx) {
  success(body, ctx);
  assert.deepEqual(Object.keys(body), ['RequestId'], `${label(ctx)}expected exactly {"RequestId"}, got ${JSON.stringify(body)}`);
  return body;
}

/** An error body: RequestId, HostId, Code, Message, Recommend, all strings. */
function errorBody(data, ctx) {
  assert.ok(data && typeof data === 'object', `${label(ctx)}error body is not an object: ${JSON.stringify(data)}`);
  assert.match(String(data.RequestId), REQUEST_ID, `${label(ctx)}error RequestId is not an upper-case UUID in ${JSON.stringify(data)}`);
  for (const field of ['HostId', 'Code', 'Message', 'Recommend']) {
    assert.equal(typeof data[field], 'string', `${label(ctx)}error body lacks string ${field}: ${JSON.stringify(data)}`);
    assert.ok(data[field].length > 0, `${label(ctx)}error body has empty ${field}: ${JSON.stringify(data)}`);
  }
  assert.match(data.HostId, /^127\.0\.0\.1(:\d+)?$/, `${label(ctx)}HostId should be the host the request was sent to: ${JSON.stringify(data)}`);
  return data;
}

/**
 * A normalised client error (lib/clients.js `fail`): code, HTTP status, and the body's fields.
 * `expected` = { code, status, message? }.
 */
function apiError(err, expected, ctx) {
  const where = `${label(ctx)}[${err.client}]`;
  assert.equal(err.code, expected.code, `${where} error code (body ${JSON.stringify(err.data)})`);
  if (expected.status !== undefined) {
    assert.equal(err.status, expected.status, `${where} HTTP status for ${expected.code} (body ${JSON.stringify(err.data)})`);
  }
  errorBody(err.data, where);
  assert.equal(err.data.Code, expected.code, `${where} body Code`);
  if (expected.message !== undefined) {
    if (expected.message instanceof RegExp) {
      assert.match(err.data.Message, expected.message, `${where} body Message`);
    } else {
      assert.equal(err.data.Message, expected.message, `${where} body Message`);
    }
  }
  return err;
}

/** A wrapped list: body[outer][inner] must be a real array (never an object or a lone item). */
function wrappedList(body, outer, inner, ctx) {
  assert.ok(body[outer] && typeof body[outer] === 'object' && !Array.isArray(body[outer]), `${label(ctx)}${outer} must be an object wrapper: ${JSON.stringify(body)}`);
  assert.ok(Array.isArray(body[outer][inner]), `${label(ctx)}${outer}.${inner} must be an array: ${JSON.stringify(body)}`);
  return body[outer][inner];
}

/**
 * The value as plain JSON data. pop-core parses with json-bigint, whose objects have a null prototype, which
 * assert.deepStrictEqual tells apart from a literal or from what openapi-client parsed: compare plain copies.
 */
function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function type(value, expectedType, ctx) {
  assert.equal(typeof value, expectedType, `${label(ctx)}expected a ${expectedType}, got ${JSON.stringify(value)}`);
  return value;
}

module.exports = { REQUEST_ID, SMART_AG_ID, success, onlyRequestId, errorBody, apiError, wrappedList, plain, type };
