'use strict';

// ClientToken idempotency for every action that takes one: the enterprise-code writes and
// UpdateSmartAGUserAccelerateConfig (spec/smartag-api.md §1.19–§1.20; acl12 decisions: the same token, action and
// parameters answer the first answer's body again without acting twice; the same token with other parameters is
// 400 IdempotentParameterMismatch; only successful answers are remembered).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');

// ECS's and VPC's code and wording for a token reused with other parameters.
const MISMATCH = { code: 'IdempotentParameterMismatch', status: 400, message: 'Request uses a client token in a previous request but is not identical to that request.' };
const BEEN_OCCUPIED = { code: 'EnterpriseCode.BeenOccupied', status: 400 };
// ECS's code and wording for a token that is not 1–64 printable ASCII characters (the SDK javadoc's limits).
const INVALID_TOKEN = { code: 'InvalidClientToken.ValueNotSupported', status: 400, message: 'The ClientToken provided is invalid.' };

function newToken() {
  return crypto.randomUUID();
}

async function codeListed(client, region, code) {
  const body = expect.success(await client.call('ListEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'ListEnterpriseCode');
  return expect.plain(body.EnterpriseCodes);
}

module.exports = {
  async 'client-token-repeats'(ctx) {
    const region = fx.uniqueRegion();
    for (const client of ctx.clients) {
      await ctx.step(`CreateEnterpriseCode repeated with its ClientToken via ${client.name}`, async () => {
        const token = newToken();
        const code = fx.newEnterpriseCode();
        const params = { RegionId: region, EnterpriseCode: code, ClientToken: token };
        const first = expect.onlyRequestId(await client.call('CreateEnterpriseCode', params), 'first');
        // Acting twice would answer EnterpriseCode.BeenOccupied; the repeat is the first answer, RequestId and all.
        const again = expect.onlyRequestId(await client.call('CreateEnterpriseCode', params), 'repeat');
        assert.deepEqual(expect.plain(again), expect.plain(first), 'the repeat answers the first body');
        assert.deepEqual(await codeListed(ctx.pop, region, code), [{ EnterpriseCode: code, IsDefault: false }]);
        expect.apiError(await client.fail('CreateEnterpriseCode', { ...params, EnterpriseCode: fx.newEnterpriseCode() }), MISMATCH, 'same token, other code');
        expect.apiError(await client.fail('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code, ClientToken: newToken() }), BEEN_OCCUPIED, 'a new token acts again');
        expect.onlyRequestId(await client.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'clean up');
      });
    }

    for (const client of ctx.clients) {
      await ctx.step(`Update, UpdateSmartAG and Delete EnterpriseCode repeated via ${client.name}`, async () => {
        const code = fx.newEnterpriseCode();
        const target = fx.newEnterpriseCode();
        expect.onlyRequestId(await client.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'create');
        expect.onlyRequestId(await client.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: target }), 'create target');

        const update = { RegionId: region, EnterpriseCode: code, IsDefault: true, ClientToken: newToken() };
        const updated = expect.onlyRequestId(await client.call('UpdateEnterpriseCode', update), 'UpdateEnterpriseCode');
        expect.onlyRequestId(await client.call('UpdateEnterpriseCode', { RegionId: region, EnterpriseCode: code, IsDefault: false }), 'unset the default');
        // The repeat must not make the code default again.
        assert.deepEqual(expect.plain(await client.call('UpdateEnterpriseCode', update)), expect.plain(updated), 'UpdateEnterpriseCode repeat');
        assert.deepEqual(await codeListed(ctx.v3, region, code), [{ EnterpriseCode: code, IsDefault: false }], 'the repeat did not act');
        expect.apiError(await client.fail('UpdateEnterpriseCode', { ...update, IsDefault: false }), MISMATCH, 'UpdateEnterpriseCode, same token, other IsDefault');

        const sag = await fx.createInstance(ctx.pop, region);
        const bind = { RegionId: region, SmartAGId: sag, EnterpriseCode: code, ClientToken: newToken() };
        const bound = expect.onlyRequestId(await client.call('UpdateSmartAGEnterpriseCode', bind), 'UpdateSmartAGEnterpriseCode');
        expect.onlyRequestId(await client.call('UpdateSmartAGEnterpriseCode', { RegionId: region, SmartAGId: sag, EnterpriseCode: target }), 'move on');
        assert.deepEqual(expect.plain(await client.call('UpdateSmartAGEnterpriseCode', bind)), expect.plain(bound), 'UpdateSmartAGEnterpriseCode repeat');
        const listed = expect.success(await ctx.v2.call('DescribeSmartAccessGateways', { RegionId: region, SmartAGId: sag }), 'DescribeSmartAccessGateways');
        assert.equal(expect.wrappedList(listed, 'SmartAccessGateways', 'SmartAccessGateway', 'list')[0].EnterpriseCode, target, 'the repeat did not move the instance back');
        expect.apiError(await client.fail('UpdateSmartAGEnterpriseCode', { ...bind, EnterpriseCode: target }), MISMATCH, 'UpdateSmartAGEnterpriseCode, same token, other code');

        const remove = { RegionId: region, EnterpriseCode: code, ClientToken: newToken() };
        const removed = expect.onlyRequestId(await client.call('DeleteEnterpriseCode', remove), 'DeleteEnterpriseCode');
        // Acting twice would answer EnterpriseCode.NotExist.
        assert.deepEqual(expect.plain(await client.call('DeleteEnterpriseCode', remove)), expect.plain(removed), 'DeleteEnterpriseCode repeat');
        assert.deepEqual(await codeListed(ctx.pop, region, code), []);
      });
    }

    const sag = await ctx.step('an instance with a user', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.160.0.0/24' }));
    const { userName } = await fx.createUser(ctx.pop, region, sag);
    for (const client of ctx.clients) {
      await ctx.step(`UpdateSmartAGUserAccelerateConfig repeated via ${client.name}`, async () => {
        const first = { RegionId: region, SmartAGId: sag, UserName: userName, Bandwidth: 100, ClientToken: newToken() };
        const answer = expect.onlyRequestId(await client.call('UpdateSmartAGUserAccelerateConfig', first), 'first');
        expect.onlyRequestId(await client.call('UpdateSmartAGUserAccelerateConfig', { ...first, Bandwidth: 200, ClientToken: newToken() }), 'a second token');
        assert.deepEqual(expect.plain(await client.call('UpdateSmartAGUserAccelerateConfig', first)), expect.plain(answer), 'the repeat answers the first body');
        const user = await fx.findUser(ctx.v3, region, sag, userName);
        assert.equal(user.AccelerateBandwidth, 200, 'the repeat did not set 100 again');
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', { ...first, Bandwidth: 300 }), MISMATCH, 'same token, other Bandwidth');
      });
    }

    for (const client of ctx.clients) {
      await ctx.step(`a ClientToken that is not 1–64 ASCII characters via ${client.name}`, async () => {
        for (const token of ['t'.repeat(65), 'tökén']) {
          expect.apiError(await client.fail('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: fx.newEnterpriseCode(), ClientToken: token }), INVALID_TOKEN, `ClientToken ${token.slice(0, 8)}…`);
        }
        const code = fx.newEnterpriseCode();
        const longest = `${newToken()}${'~'.repeat(64)}`.slice(0, 64);
        expect.onlyRequestId(await client.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code, ClientToken: longest }), '64 characters');
        expect.onlyRequestId(await client.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'clean up');
      });
    }

    await ctx.step('a failed call is not remembered', async () => {
      const token = newToken();
      const code = fx.newEnterpriseCode();
      expect.apiError(await ctx.v2.fail('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: 'bad!1', ClientToken: token }), { code: 'InvalidParameter', status: 400 });
      expect.onlyRequestId(await ctx.v2.call('CreateEnterpriseCode', { RegionId: region, EnterpriseCode: code, ClientToken: token }), 'the same token with a valid code');
      expect.onlyRequestId(await ctx.v2.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'clean up');
    });

    await ctx.step('the repeat is recognised across the SDKs (signature, nonce, timestamp and Format differ)', async () => {
      const code = fx.newEnterpriseCode();
      const params = { RegionId: region, EnterpriseCode: code, ClientToken: newToken() };
      const first = expect.onlyRequestId(await ctx.pop.call('CreateEnterpriseCode', params), 'via pop-get');
      for (const client of [ctx.popPost, ctx.v3, ctx.v2]) {
        assert.deepEqual(expect.plain(await client.call('CreateEnterpriseCode', params)), expect.plain(first), `repeat via ${client.name}`);
      }
      expect.onlyRequestId(await ctx.pop.call('DeleteEnterpriseCode', { RegionId: region, EnterpriseCode: code }), 'clean up');
    });
  },
};
