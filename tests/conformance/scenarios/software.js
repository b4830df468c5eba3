'use strict';

// SAG App instance size and per-user acceleration: UpgradeSmartAccessGatewaySoftware,
// DowngradeSmartAccessGatewaySoftware, UpdateSmartAGUserAccelerateConfig (spec/smartag-api.md §1.17–§1.19,
// spec/smartag-acl-and-more.md §2.1–§2.2; acl12 decisions: UserCount a multiple of 5 in 5–1000, DataPlan 5,
// applied at once, DryRun answers DryRunOperation after every check).

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const raw = require('../lib/raw');
const wire = require('../lib/wire');

// The documented message, which the server may follow with the reason (ErrorDefinition.WithMessage).
const INVALID_USER_COUNT = { code: 'SAG.InvalidUserCount', status: 400, message: /^The specified UserCount is invalid\b/ };
const INVALID_DATA_PLAN = { code: 'SAG.InvalidDataPlan', status: 400, message: 'The specified DataPlan is invalid.' };
const INSTANCE_NO_FOUND = { code: 'SAG.InstanceNoFound', status: 400 };
const DRY_RUN = { code: 'DryRunOperation', status: 400, message: 'Request validation has been passed with DryRun flag set.' };
const USER_NOT_FOUND = { code: 'ResourceNotFound.User', status: 400, message: 'The specified user is not found.' };
const BANDWIDTH_EXCEEDED = { code: 'OperationDenied.BandwidthExceeded', status: 400, message: 'The total bandwidth exceeds the limit. The operation is denied.' };

/** §1.19's "The specified resource of %s is not found.", %s the instance asked for. */
function sagNotFound(id) {
  return { code: 'ResourceNotFound.SmartAccessGateway', status: 404, message: `The specified resource of ${id} is not found.` };
}

/**
 * Upgrade/DowngradeSmartAccessGatewaySoftwareResponseBody: RequestId, OrderId — both String; OrderId is a
 * decimal order number (DESIGN.md §2) even where a doc example prints a number.
 */
async function resize(client, action, region, id, userCount, { autoPay = true, dataPlan = 5 } = {}) {
  const body = expect.success(
    await client.call(action, { RegionId: region, SmartAGId: id, UserCount: userCount, DataPlan: dataPlan, AutoPay: autoPay }),
    `${action} via ${client.name}`,
  );
  assert.deepEqual(Object.keys(body).sort(), ['OrderId', 'RequestId'], `${action}: RequestId and OrderId only: ${JSON.stringify(body)}`);
  expect.type(body.OrderId, 'string', `${action} OrderId (String)`);
  assert.match(body.OrderId, /^[1-9][0-9]*$/, `${action}: OrderId is a decimal order number: ${JSON.stringify(body)}`);
  return body.OrderId;
}

async function userCountOf(client, region, id) {
  const body = expect.success(await client.call('DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }), 'DescribeSmartAccessGatewayAttribute');
  expect.type(body.UserCount, 'number', 'UserCount (Integer)');
  expect.type(body.DataPlan, 'number', 'DataPlan (Long)');
  assert.equal(body.DataPlan, 5);
  return body.UserCount;
}

/** Users.User[].AccelerateBandwidth (DescribeSmartAccessGatewayClientUsersResponseBody: Long, Kbit/s). */
async function accelerateBandwidth(client, region, id, userName) {
  const user = await fx.findUser(client, region, id, userName);
  assert.ok(user, `${userName} not listed`);
  expect.type(user.AccelerateBandwidth, 'number', `AccelerateBandwidth (Long) of ${JSON.stringify(user)}`);
  return user.AccelerateBandwidth;
}

module.exports = {
  async 'software-upgrade-downgrade'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create an instance for 10 users', () => fx.createReadyInstance(ctx.pop, region, { userCount: 10, cidr: '10.140.0.0/24' }));
    const orders = new Set();
    // AutoPay is a Boolean in the SDKs; the 2020 zh doc said 0/1: both spellings are accepted.
    const upgrades = [[15, true], [20, false], [25, '1'], [30, '0']];
    for (const [i, client] of ctx.clients.entries()) {
      const [userCount, autoPay] = upgrades[i];
      await ctx.step(`Upgrade to ${userCount} (AutoPay ${autoPay}) via ${client.name}`, async () => {
        orders.add(await resize(client, 'UpgradeSmartAccessGatewaySoftware', region, id, userCount, { autoPay }));
        assert.equal(await userCountOf(ctx.clients[(i + 1) % ctx.clients.length], region, id), userCount, 'applied at once');
      });
    }
    for (const [i, client] of ctx.clients.entries()) {
      const userCount = 25 - 5 * i;
      await ctx.step(`Downgrade to ${userCount} via ${client.name}`, async () => {
        orders.add(await resize(client, 'DowngradeSmartAccessGatewaySoftware', region, id, userCount));
        assert.equal(await userCountOf(ctx.clients[(i + 2) % ctx.clients.length], region, id), userCount);
      });
    }
    assert.equal(orders.size, 8, `every change has its own OrderId: ${[...orders].join(', ')}`);

    await ctx.step('the list shows the new UserCount', async () => {
      const body = expect.success(await ctx.v3.call('DescribeSmartAccessGateways', { RegionId: region, SmartAGId: id }), 'DescribeSmartAccessGateways');
      const [item] = expect.wrappedList(body, 'SmartAccessGateways', 'SmartAccessGateway', 'DescribeSmartAccessGateways');
      assert.equal(item.UserCount, 10);
    });

    await ctx.step('edges: 5 and 1000', async () => {
      await resize(ctx.pop, 'UpgradeSmartAccessGatewaySoftware', region, id, 1000);
      await resize(ctx.v2, 'DowngradeSmartAccessGatewaySoftware', region, id, 5);
      assert.equal(await userCountOf(ctx.pop, region, id), 5);
    });

    for (const client of ctx.clients) {
      await ctx.step(`invalid UserCount and DataPlan via ${client.name}`, async () => {
        for (const userCount of [0, 4, 7, 1005, 2000, -5]) {
          const params = { RegionId: region, SmartAGId: id, UserCount: userCount, DataPlan: 5, AutoPay: true };
          expect.apiError(await client.fail('UpgradeSmartAccessGatewaySoftware', params), INVALID_USER_COUNT, `Upgrade UserCount ${userCount}`);
          expect.apiError(await client.fail('DowngradeSmartAccessGatewaySoftware', params), INVALID_USER_COUNT, `Downgrade UserCount ${userCount}`);
        }
        for (const dataPlan of [0, 10, 1]) {
          const params = { RegionId: region, SmartAGId: id, UserCount: 10, DataPlan: dataPlan, AutoPay: true };
          expect.apiError(await client.fail('UpgradeSmartAccessGatewaySoftware', params), INVALID_DATA_PLAN, `Upgrade DataPlan ${dataPlan}`);
          expect.apiError(await client.fail('DowngradeSmartAccessGatewaySoftware', params), INVALID_DATA_PLAN, `Downgrade DataPlan ${dataPlan}`);
        }
        const unknown = { RegionId: region, SmartAGId: `sag-${fx.randomToken(20)}`, UserCount: 10, DataPlan: 5, AutoPay: true };
        expect.apiError(await client.fail('UpgradeSmartAccessGatewaySoftware', unknown), INSTANCE_NO_FOUND, 'Upgrade of an unknown instance');
        expect.apiError(await client.fail('DowngradeSmartAccessGatewaySoftware', unknown), INSTANCE_NO_FOUND, 'Downgrade of an unknown instance');
      });
    }

    await ctx.step('a Downgrade below the users that exist is refused', async () => {
      await resize(ctx.popPost, 'UpgradeSmartAccessGatewaySoftware', region, id, 10);
      for (let i = 0; i < 6; i++) {
        await fx.createUser(ctx.clients[i % ctx.clients.length], region, id);
      }
      for (const client of ctx.clients) {
        expect.apiError(
          await client.fail('DowngradeSmartAccessGatewaySoftware', { RegionId: region, SmartAGId: id, UserCount: 5, DataPlan: 5, AutoPay: true }),
          INVALID_USER_COUNT,
          `Downgrade to 5 with 6 users via ${client.name}`,
        );
      }
      assert.equal(await userCountOf(ctx.v3, region, id), 10, 'the refused Downgrade changed nothing');
    });

    await ctx.step('XML answers', async () => {
      const res = await raw.signedRequest(ctx.env, 'UpgradeSmartAccessGatewaySoftware', { RegionId: region, SmartAGId: id, UserCount: 15, DataPlan: 5, AutoPay: true }, { common: { Format: 'XML' } });
      const body = wire.xmlSuccess(res, 'UpgradeSmartAccessGatewaySoftware', 'Upgrade XML');
      assert.match(String(wire.xmlText(body, 'OrderId')), /^[1-9][0-9]*$/);
      const bad = await raw.signedRequest(ctx.env, 'DowngradeSmartAccessGatewaySoftware', { RegionId: region, SmartAGId: id, UserCount: 7, DataPlan: 5, AutoPay: true }, { common: { Format: 'XML' } });
      wire.assertXmlError(bad, INVALID_USER_COUNT.code, INVALID_USER_COUNT.status, 'Downgrade XML error');
    });
  },

  async 'software-accelerate-config'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.141.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.pop, region, id));
    const update = (extra) => ({ RegionId: region, SmartAGId: id, UserName: userName, ...extra });

    for (const [i, client] of ctx.clients.entries()) {
      await ctx.step(`UpdateSmartAGUserAccelerateConfig via ${client.name}`, async () => {
        const bandwidth = 1000 + i;
        // UpdateSmartAGUserAccelerateConfigResponseBody: RequestId only.
        expect.onlyRequestId(await client.call('UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: bandwidth })), 'UpdateSmartAGUserAccelerateConfig');
        assert.equal(await accelerateBandwidth(ctx.clients[(i + 1) % ctx.clients.length], region, id, userName), bandwidth);
      });
    }

    for (const client of ctx.clients) {
      await ctx.step(`DryRun=true validates and changes nothing via ${client.name}`, async () => {
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: 777, DryRun: true })), DRY_RUN);
        assert.equal(await accelerateBandwidth(ctx.pop, region, id, userName), 1003);
      });
      await ctx.step(`DryRun=true still reports a failing check first via ${client.name}`, async () => {
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', update({ UserName: 'nobody-here', Bandwidth: 777, DryRun: true })), USER_NOT_FOUND);
      });
      await ctx.step(`unknown user and unknown instance via ${client.name}`, async () => {
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', update({ UserName: 'nobody-here', Bandwidth: 500 })), USER_NOT_FOUND);
        const unknown = `sag-${fx.randomToken(20)}`;
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', update({ SmartAGId: unknown, Bandwidth: 500 })), sagNotFound(unknown));
      });
      await ctx.step(`a peak above the instance's 20000 Kbit/s via ${client.name}`, async () => {
        // No acceleration packages here: an account's peak may be at most the 20000 Kbit/s any account may have.
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: 20001 })), BANDWIDTH_EXCEEDED);
        expect.apiError(await client.fail('UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: 20001, DryRun: true })), BANDWIDTH_EXCEEDED, 'DryRun checks it too');
      });
    }

    await ctx.step('20000 Kbit/s is accepted', async () => {
      expect.onlyRequestId(await ctx.popPost.call('UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: 20000 })), 'UpdateSmartAGUserAccelerateConfig');
      assert.equal(await accelerateBandwidth(ctx.pop, region, id, userName), 20000);
    });

    await ctx.step('DryRun=false acts', async () => {
      expect.onlyRequestId(await ctx.v3.call('UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: 4321, DryRun: false })), 'UpdateSmartAGUserAccelerateConfig');
      assert.equal(await accelerateBandwidth(ctx.v2, region, id, userName), 4321);
    });

    await ctx.step('DryRun in XML', async () => {
      const res = await raw.signedRequest(ctx.env, 'UpdateSmartAGUserAccelerateConfig', update({ Bandwidth: 100, DryRun: 'true' }), { method: 'POST', common: { Format: 'XML' } });
      const body = wire.assertXmlError(res, DRY_RUN.code, DRY_RUN.status, 'DryRun XML');
      assert.equal(wire.xmlText(body, 'Message'), DRY_RUN.message);
    });
  },
};
