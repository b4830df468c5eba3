'use strict';

// KickOutClients (spec/KickOutClients.md, which wins over the general reference for this action) and
// DescribeUserOnlineClients (spec/smartag-api.md §1.9). No gateway client is connected in these scenarios,
// so they check the API contract; sessions being closed is the gateway tests' business.

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');

const NAME_EMPTY = { code: 'ClientUser.NameEmpty', status: 400, message: 'You must specify UserName.' };
const INSTANCE_NO_FOUND = { code: 'SAG.InstanceNoFound', status: 400, message: 'The specified DB instance does not exist.' };

function unknownInstanceId() {
  return `sag-${fx.randomToken(20)}`;
}

module.exports = {
  async 'kickout-success'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.100.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.pop, region, id));

    for (const client of ctx.clients) {
      await ctx.step(`kick a user with no sessions via ${client.name}`, async () => {
        // The page's JSON example is exactly {"RequestId": "..."}: nothing else may be in the body.
        expect.onlyRequestId(await client.call('KickOutClients', { RegionId: region, SmartAGId: id, Username: userName }), 'KickOutClients');
      });
      await ctx.step(`kick again (idempotent) via ${client.name}`, async () => {
        expect.onlyRequestId(await client.call('KickOutClients', { RegionId: region, SmartAGId: id, Username: userName }), 'KickOutClients');
      });
    }

    for (const client of ctx.clients) {
      await ctx.step(`kick a user whose name has . - _ @ via ${client.name}`, async () => {
        const odd = await fx.createUser(ctx.pop, region, id, { userName: `K.O-x_${fx.randomToken(4)}@corp`, mail: 'ko@example.com' });
        expect.onlyRequestId(await client.call('KickOutClients', { RegionId: region, SmartAGId: id, Username: odd.userName }), 'KickOutClients');
      });
    }

    await ctx.step('kicking does not ban the account', async () => {
      const user = await fx.findUser(ctx.v3, region, id, userName);
      assert.ok(user, `${userName} must still exist`);
      assert.equal(user.State, 0, `${userName} must still be enabled`);
    });

    await ctx.step('kicking a name with no sessions on an existing instance is success (zero sessions)', async () => {
      expect.onlyRequestId(await ctx.v2.call('KickOutClients', { RegionId: region, SmartAGId: id, Username: 'doctest' }), 'KickOutClients');
    });
  },

  async 'kickout-errors'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.101.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.pop, region, id));

    for (const client of ctx.clients) {
      await ctx.step(`missing Username via ${client.name}`, async () => {
        expect.apiError(await client.fail('KickOutClients', { RegionId: region, SmartAGId: id }), NAME_EMPTY);
      });
      await ctx.step(`empty Username via ${client.name}`, async () => {
        expect.apiError(await client.fail('KickOutClients', { RegionId: region, SmartAGId: id, Username: '' }), NAME_EMPTY);
      });
      await ctx.step(`UserName (wrong casing) is not Username via ${client.name}`, async () => {
        // KickOutClients is the one action whose parameter is Username; UserName leaves it missing.
        expect.apiError(await client.fail('KickOutClients', { RegionId: region, SmartAGId: id, UserName: userName }), NAME_EMPTY);
      });
      await ctx.step(`unknown instance via ${client.name}`, async () => {
        expect.apiError(await client.fail('KickOutClients', { RegionId: region, SmartAGId: unknownInstanceId(), Username: userName }), INSTANCE_NO_FOUND);
      });
      await ctx.step(`instance of another region via ${client.name}`, async () => {
        expect.apiError(await client.fail('KickOutClients', { RegionId: fx.uniqueRegion(), SmartAGId: id, Username: userName }), INSTANCE_NO_FOUND);
      });
    }

    await ctx.step('pop-core surfaces the body as err.code / err.data', async () => {
      const err = await ctx.pop.fail('KickOutClients', { RegionId: region, SmartAGId: id, Username: '' });
      assert.equal(err.raw.code, 'ClientUser.NameEmpty');
      assert.equal(err.raw.name, 'ClientUser.NameEmptyError');
      assert.equal(err.raw.data.Message, 'You must specify UserName.');
      assert.ok(err.raw.message.startsWith('You must specify UserName., URL: '), err.raw.message);
    });

    for (const client of [ctx.v3, ctx.v2]) {
      await ctx.step(`openapi-client surfaces err.code / err.statusCode / err.data via ${client.name}`, async () => {
        const err = await client.fail('KickOutClients', { RegionId: region, SmartAGId: unknownInstanceId(), Username: userName });
        assert.equal(err.raw.code, 'SAG.InstanceNoFound');
        assert.equal(err.raw.statusCode, 400);
        assert.equal(err.raw.data.Code, 'SAG.InstanceNoFound');
        assert.equal(err.raw.data.statusCode, 400);
        assert.equal(
          err.raw.message,
          `SAG.InstanceNoFound: code: 400, The specified DB instance does not exist. request id: ${err.raw.data.RequestId}`,
        );
      });
    }
  },

  async 'online-clients-empty'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.v3, region, { cidr: '10.102.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.v3, region, id));
    for (const client of ctx.clients) {
      await ctx.step(`DescribeUserOnlineClients via ${client.name}`, async () => {
        const body = expect.success(await client.call('DescribeUserOnlineClients', { RegionId: region, SmartAGId: id, UserName: userName }), 'DescribeUserOnlineClients');
        const users = expect.wrappedList(body, 'Users', 'User', 'DescribeUserOnlineClients');
        assert.deepEqual(users, [], `no gateway client is connected: ${JSON.stringify(body)}`);
      });
    }
  },
};
