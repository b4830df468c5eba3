'use strict';

// Enterprise codes: CreateEnterpriseCode, ListEnterpriseCode, UpdateEnterpriseCode, UpdateSmartAGEnterpriseCode,
// DeleteEnterpriseCode (spec/smartag-api.md §1.20, spec/smartag-acl-and-more.md §2.3; acl12 decisions: exactly 5
// letters and digits with both present, unique case-sensitively, at most one default, default and in-use codes
// cannot be deleted). A code is taken in every region once created, so codes are random, each scenario finds its
// own by filter, and none leaves a default behind.

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const raw = require('../lib/raw');
const wire = require('../lib/wire');

const BEEN_OCCUPIED = { code: 'EnterpriseCode.BeenOccupied', status: 400, message: 'The specified enterprise code is occupied by other enterprises.' };
const BEING_USED = { code: 'EnterpriseCode.BeingUsed', status: 400, message: 'The specified enterprise code is being used.' };
const DELETE_LIMIT = { code: 'EnterpriseCode.DeleteLimit', status: 400, message: 'The specified default enterprise code cannot be deleted.' };
const NOT_EXIST = { code: 'EnterpriseCode.NotExist', status: 400, message: 'The specified enterprise code does not exist.' };
const INVALID_CODE = { code: 'InvalidParameter', status: 400, message: /EnterpriseCode/ };
const INSTANCE_NO_FOUND = { code: 'SAG.InstanceNoFound', status: 400 };
const INVALID_NEXT_TOKEN = { code: 'InvalidNextToken', status: 400, message: 'Specified parameter NextToken is not valid.' };
// UpdateSmartAGEnterpriseCode's own error table (spec §2.3) gives the ACL-style 403 form.
const MISSING_PARAMETER = { code: 'MissingParameter', status: 403, message: 'The input parameter is missing, please check your input.' };

function swapCase(code) {
  return [...code].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

/**
 * ListEnterpriseCodeResponseBody: RequestId, NextToken String; TotalCount, MaxResults Integer; EnterpriseCodes a
 * plain array (no wrapper) of ListEnterpriseCodeResponseBodyEnterpriseCodes {EnterpriseCode String, IsDefault Boolean}.
 */
async function list(client, region, extra = {}) {
  const where = `ListEnterpriseCode via ${client.name}`;
  const body = expect.success(await client.call('ListEnterpriseCode', { RegionId: region, ...extra }), where);
  expect.type(body.TotalCount, 'number', `${where} TotalCount (Integer) in ${JSON.stringify(body)}`);
  expect.type(body.MaxResults, 'number', `${where} MaxResults (Integer) in ${JSON.stringify(body)}`);
  if ('NextToken' in body) {
    expect.type(body.NextToken, 'string', `${where} NextToken (String)`);
  }
  assert.ok(Array.isArray(body.EnterpriseCodes), `${where}: EnterpriseCodes must be a plain array: ${JSON.stringify(body)}`);
  body.EnterpriseCodes = expect.plain(body.EnterpriseCodes);
  for (const item of body.EnterpriseCodes) {
    expect.type(item.EnterpriseCode, 'string', `${where} EnterpriseCode in ${JSON.stringify(item)}`);
    expect.type(item.IsDefault, 'boolean', `${where} IsDefault (Boolean) in ${JSON.stringify(item)}`);
  }
  return body;
}

async function one(client, region, code) {
  const body = await list(client, region, { EnterpriseCode: code });
  assert.ok(body.EnterpriseCodes.length <= 1, `a code filter matches at most one code: ${JSON.stringify(body)}`);
  return body.EnterpriseCodes[0];
}

async function instanceCode(client, region, id) {
  const body = expect.success(await client.call('DescribeSmartAccessGateways', { RegionId: region, SmartAGId: id }), 'DescribeSmartAccessGateways');
  const [item] = expect.wrappedList(body, 'SmartAccessGateways', 'SmartAccessGateway', 'DescribeSmartAccessGateways');
  // DescribeSmartAccessGatewaysResponseBody…SmartAccessGateway.EnterpriseCode: String.
  return expect.type(item.EnterpriseCode, 'string', `EnterpriseCode of ${JSON.stringify(item)}`);
}

module.exports = {
  async 'enterprise-code-lifecycle'(ctx) {
    const region = fx.uniqueRegion();
    const codes = ctx.clients.map(() => fx.newEnterpriseCode());
    for (const [i, client] of ctx.clients.entries()) {
      await ctx.step(`CreateEnterpriseCode via ${client.name}`, async () => {
        expect.onlyRequestId(await client.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: codes[i] }), 'CreateEnterpriseCode');
      });
    }
    for (const reader of ctx.clients) {
      await ctx.step(`ListEnterpriseCode by code via ${reader.name}`, async () => {
        for (const code of codes) {
          const body = await list(reader, region, { EnterpriseCode: code });
          assert.equal(body.TotalCount, 1, `TotalCount in ${JSON.stringify(body)}`);
          assert.deepEqual(body.EnterpriseCodes, [{ EnterpriseCode: code, IsDefault: false }]);
        }
      });
    }

    await ctx.step('ListEnterpriseCode pages with MaxResults and NextToken', async () => {
      const seen = [];
      let token;
      let total;
      for (let page = 0; page < 500; page++) {
        const body = await list(ctx.clients[page % ctx.clients.length], region, token === undefined ? { MaxResults: 2 } : { MaxResults: 2, NextToken: token });
        assert.ok(body.EnterpriseCodes.length <= 2, `MaxResults 2: ${JSON.stringify(body)}`);
        assert.equal(body.MaxResults, 2);
        total ??= body.TotalCount;
        seen.push(...body.EnterpriseCodes.map((c) => c.EnterpriseCode));
        token = body.NextToken;
        if (!token) {
          break;
        }
      }
      assert.ok(!token, 'more than 500 pages');
      assert.equal(seen.length, total, `the pages hold TotalCount codes: ${seen.length} vs ${total}`);
      assert.equal(new Set(seen).size, seen.length, 'no code on two pages');
      for (const code of codes) {
        assert.ok(seen.includes(code), `${code} missing from the pages`);
      }
    });

    await ctx.step('UpdateEnterpriseCode IsDefault=true makes one default', async () => {
      expect.onlyRequestId(await ctx.pop.call('UpdateEnterpriseCode', { RegionId: region, EnterpriseCode: codes[0], IsDefault: true }), 'UpdateEnterpriseCode');
      const body = await list(ctx.v3, region, { IsDefault: true });
      assert.deepEqual(body.EnterpriseCodes, [{ EnterpriseCode: codes[0], IsDefault: true }], `IsDefault=true lists only the default: ${JSON.stringify(body)}`);
    });
    await ctx.step('setting another default clears the first', async () => {
      expect.onlyRequestId(await ctx.v2.call('UpdateEnterpriseCode', { RegionId: region, EnterpriseCode: codes[1], IsDefault: true }), 'UpdateEnterpriseCode');
      assert.deepEqual(await one(ctx.popPost, region, codes[0]), { EnterpriseCode: codes[0], IsDefault: false });
      assert.deepEqual(await one(ctx.popPost, region, codes[1]), { EnterpriseCode: codes[1], IsDefault: true });
      const body = await list(ctx.pop, region, { IsDefault: true });
      assert.deepEqual(body.EnterpriseCodes.map((c) => c.EnterpriseCode), [codes[1]]);
    });
    for (const client of ctx.clients) {
      await ctx.step(`the default cannot be deleted via ${client.name}`, async () => {
        expect.apiError(await client.fail('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: codes[1] }), DELETE_LIMIT);
      });
    }
    await ctx.step('IsDefault=false, then the delete works', async () => {
      expect.onlyRequestId(await ctx.popPost.call('UpdateEnterpriseCode', { RegionId: region, EnterpriseCode: codes[1], IsDefault: false }), 'UpdateEnterpriseCode');
      assert.deepEqual((await list(ctx.v3, region, { IsDefault: true })).EnterpriseCodes.filter((c) => codes.includes(c.EnterpriseCode)), []);
      expect.onlyRequestId(await ctx.v3.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: codes[1] }), 'DeleteEnterpriseCode');
      assert.equal(await one(ctx.v2, region, codes[1]), undefined);
    });

    const sag = await ctx.step('create an instance', () => fx.createInstance(ctx.pop, region));
    for (const [i, client] of ctx.clients.entries()) {
      const code = codes[[2, 3, 0, 2][i]];
      await ctx.step(`UpdateSmartAGEnterpriseCode to ${code} via ${client.name}`, async () => {
        expect.onlyRequestId(await client.call('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: sag, EnterpriseCode: code }), 'UpdateSmartAGEnterpriseCode');
        assert.equal(await instanceCode(ctx.clients[(i + 1) % ctx.clients.length], region, sag), code);
      });
    }
    for (const client of ctx.clients) {
      await ctx.step(`a code in use cannot be deleted via ${client.name}`, async () => {
        expect.apiError(await client.fail('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: codes[2] }), BEING_USED);
      });
    }
    await ctx.step('once the instance moves on, the code can be deleted', async () => {
      expect.onlyRequestId(await ctx.pop.call('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: sag, EnterpriseCode: codes[3] }), 'UpdateSmartAGEnterpriseCode');
      expect.onlyRequestId(await ctx.popPost.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: codes[2] }), 'DeleteEnterpriseCode');
      expect.onlyRequestId(await ctx.v2.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: codes[0] }), 'DeleteEnterpriseCode');
    });

    await ctx.step('XML: Create, Update and Delete', async () => {
      const code = fx.newEnterpriseCode();
      const xml = { common: { Format: 'XML' } };
      wire.xmlSuccess(await raw.signedRequest(ctx.env, 'CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code }, xml), 'CreateEnterpriseCode', 'CreateEnterpriseCode XML');
      wire.xmlSuccess(await raw.signedRequest(ctx.env, 'UpdateEnterpriseCode', { RegionId: region, EnterpriseCode: code, IsDefault: false }, xml), 'UpdateEnterpriseCode', 'UpdateEnterpriseCode XML');
      wire.xmlSuccess(await raw.signedRequest(ctx.env, 'DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: code }, xml), 'DeleteEnterpriseCode', 'DeleteEnterpriseCode XML');
      wire.assertXmlError(await raw.signedRequest(ctx.env, 'DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: code }, xml), NOT_EXIST.code, NOT_EXIST.status, 'DeleteEnterpriseCode again XML');
    });

    await ctx.step('XML: ListEnterpriseCode and an error', async () => {
      const res = await raw.signedRequest(ctx.env, 'ListEnterpriseCode', { RegionId: region, EnterpriseCode: codes[3] }, { common: { Format: 'XML' } });
      const body = wire.xmlSuccess(res, 'ListEnterpriseCode', 'ListEnterpriseCode XML');
      assert.equal(wire.xmlText(body, 'TotalCount'), '1');
      assert.equal(wire.xmlText(body, 'EnterpriseCode'), codes[3]);
      assert.equal(wire.xmlText(body, 'IsDefault'), 'false');
      const bad = await raw.signedRequest(ctx.env, 'DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: codes[3] }, { method: 'POST', common: { Format: 'XML' } });
      wire.assertXmlError(bad, BEING_USED.code, BEING_USED.status, 'DeleteEnterpriseCode XML');
    });
  },

  async 'enterprise-code-errors'(ctx) {
    const region = fx.uniqueRegion();
    const code = fx.newEnterpriseCode();
    await ctx.step('create a code', async () => {
      expect.onlyRequestId(await ctx.pop.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'CreateEnterpriseCode');
    });
    const unknown = fx.newEnterpriseCode();
    for (const client of ctx.clients) {
      await ctx.step(`CreateEnterpriseCode errors via ${client.name}`, async () => {
        expect.apiError(await client.fail('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code }), BEEN_OCCUPIED, 'the same code again');
        for (const bad of ['ab12', 'ab1234', 'abcde', '12345', 'ab-12', 'ab 12', 'äb123']) {
          expect.apiError(await client.fail('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: bad }), INVALID_CODE, `format ${JSON.stringify(bad)}`);
        }
      });
      await ctx.step(`a NextToken the server did not hand out via ${client.name}`, async () => {
        expect.apiError(await client.fail('ListEnterpriseCode', { RegionId: region, NextToken: 'not-a-token!' }), INVALID_NEXT_TOKEN);
      });
      await ctx.step(`unknown codes via ${client.name}`, async () => {
        expect.apiError(await client.fail('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: unknown }), NOT_EXIST, 'DeleteEnterpriseCode');
        expect.apiError(await client.fail('UpdateEnterpriseCode', { RegionId: region, EnterpriseCode: unknown, IsDefault: true }), NOT_EXIST, 'UpdateEnterpriseCode');
      });
    }

    await ctx.step('uniqueness is case-sensitive', async () => {
      const twin = swapCase(code);
      expect.onlyRequestId(await ctx.v3.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: twin }), 'CreateEnterpriseCode');
      assert.deepEqual(await one(ctx.v2, region, twin), { EnterpriseCode: twin, IsDefault: false });
      assert.deepEqual(await one(ctx.v2, region, code), { EnterpriseCode: code, IsDefault: false });
      expect.onlyRequestId(await ctx.v3.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: twin }), 'DeleteEnterpriseCode');
      assert.deepEqual(await one(ctx.pop, region, code), { EnterpriseCode: code, IsDefault: false }, 'deleting the twin left the original');
    });

    const other = fx.newEnterpriseCode();
    const a = await ctx.step('instance A on the code', async () => {
      const id = await fx.createInstance(ctx.pop, region);
      expect.onlyRequestId(await ctx.pop.call('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: id, EnterpriseCode: code }), 'UpdateSmartAGEnterpriseCode');
      return id;
    });
    const b = await ctx.step('instance B on another code', async () => {
      expect.onlyRequestId(await ctx.pop.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: other }), 'CreateEnterpriseCode');
      const id = await fx.createInstance(ctx.v2, region);
      expect.onlyRequestId(await ctx.v2.call('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: id, EnterpriseCode: other }), 'UpdateSmartAGEnterpriseCode');
      return id;
    });
    // EnterpriseCode.UserNameConflict (spec §2.3) is not checked: OpenSAG's clients log in by instance id, so a code
    // identifies nobody and user names need not be unique per code (EnterpriseCodeService).
    for (const client of ctx.clients) {
      await ctx.step(`UpdateSmartAGEnterpriseCode errors via ${client.name}`, async () => {
        expect.apiError(await client.fail('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: b, EnterpriseCode: unknown }), NOT_EXIST, 'an unknown code');
        expect.apiError(await client.fail('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: `sag-${fx.randomToken(20)}`, EnterpriseCode: code }), INSTANCE_NO_FOUND, 'an unknown instance');
        expect.apiError(await client.fail('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: b }), MISSING_PARAMETER, 'no EnterpriseCode');
      });
    }
    await ctx.step('B keeps its code after the refusals', async () => {
      assert.equal(await instanceCode(ctx.v3, region, b), other);
      assert.equal(await instanceCode(ctx.v3, region, a), code);
    });
  },
};
