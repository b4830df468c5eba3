'use strict';

// Reading raw HTTP answers (lib/raw.js, lib/oldgo.js): JSON and XML bodies and their error shapes
// (spec/smartag-api.md §4; DESIGN.md §2). Shared by every scenario that bypasses the SDKs.

const assert = require('node:assert/strict');

const expect = require('./expect');

const XML_DECLARATION = /^\s*(<\?xml[^>]*\?>\s*)?/;

function unescapeXml(text) {
  const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(text);
  if (cdata) {
    return cdata[1];
  }
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&amp;/g, '&');
}

/** The unescaped text of the first <element>…</element>, or undefined. */
function xmlText(xml, element) {
  const m = new RegExp(`<${element}>([\\s\\S]*?)</${element}>`).exec(xml);
  return m ? unescapeXml(m[1]) : undefined;
}

/** The inner XML of every <element>…</element> (not nested in one another), in document order. */
function xmlBlocks(xml, element) {
  return [...xml.matchAll(new RegExp(`<${element}>([\\s\\S]*?)</${element}>`, 'g'))].map((m) => m[1]);
}

/** An XML body without its declaration. */
function xmlBody(res) {
  return res.body.replace(XML_DECLARATION, '');
}

/** A 200 XML answer whose root element is the action name (DESIGN.md §2); returns the body without the declaration. */
function xmlSuccess(res, action, where) {
  assert.equal(res.status, 200, `${where}: HTTP status, body ${res.body}`);
  assert.match(String(res.headers['content-type']), /xml/i, `${where}: content-type of an XML answer`);
  const body = xmlBody(res);
  assert.match(body, new RegExp(`^<${action}>[\\s\\S]*</${action}>\\s*$`), `${where}: the root element is <${action}>: ${res.body}`);
  assert.match(String(xmlText(body, 'RequestId')), expect.REQUEST_ID, `${where}: <RequestId> in ${res.body}`);
  return body;
}

function assertXmlError(res, code, status, where) {
  assert.equal(res.status, status, `${where}: HTTP status, body ${res.body}`);
  assert.match(String(res.headers['content-type']), /xml/i, `${where}: content-type of an XML error`);
  const body = xmlBody(res);
  assert.match(body, /^<Error>[\s\S]*<\/Error>\s*$/, `${where}: the XML error root is <Error>: ${res.body}`);
  assert.equal(xmlText(body, 'Code'), code, `${where}: <Code> in ${res.body}`);
  assert.match(String(xmlText(body, 'RequestId')), expect.REQUEST_ID, `${where}: <RequestId> in ${res.body}`);
  for (const element of ['HostId', 'Message', 'Recommend']) {
    assert.ok(xmlText(body, element), `${where}: <${element}> missing or empty in ${res.body}`);
  }
  return body;
}

function jsonOf(res, where) {
  try {
    return JSON.parse(res.body);
  } catch (err) {
    throw new Error(`${where}: body is not JSON (HTTP ${res.status}, content-type ${res.headers['content-type']}): ${res.body}`);
  }
}

function assertJsonError(res, code, status, where) {
  assert.equal(res.status, status, `${where}: HTTP status, body ${res.body}`);
  const body = jsonOf(res, where);
  expect.errorBody(body, where);
  assert.equal(body.Code, code, `${where}: Code in ${res.body}`);
  return body;
}

/** A 200 JSON answer: the parsed success body. */
function jsonSuccess(res, where) {
  assert.equal(res.status, 200, `${where}: HTTP status, body ${res.body}`);
  assert.match(String(res.headers['content-type']), /json/i, `${where}: content-type of a JSON answer`);
  return expect.success(jsonOf(res, where), where);
}

module.exports = { XML_DECLARATION, xmlText, xmlBlocks, xmlBody, xmlSuccess, assertXmlError, jsonOf, assertJsonError, jsonSuccess };
