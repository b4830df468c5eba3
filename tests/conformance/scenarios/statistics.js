'use strict';

// Online and flow statistics (spec/smartag-api.md §1.10–§1.12). Counts are strings on the wire.

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');

module.exports = {
  async 'user-online-statistics'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.110.0.0/24' }));
    const a = (await ctx.step('create user a', () => fx.createUser(ctx.pop, region, id))).userName;
    const b = (await ctx.step('create user b', () => fx.createUser(ctx.pop, region, id))).userName;

    for (const client of ctx.clients) {
      await ctx.step(`UserNames.1/.2 via ${client.name}`, async () => {
        const body = expect.success(
          await client.call('DescribeUserOnlineClientStatistics', { RegionId: region, SmartAGId: id, UserNames: [a, b] }),
          'DescribeUserOnlineClientStatistics',
        );
        const stats = expect.wrappedList(body, 'UserStatistics', 'Statistics', 'DescribeUserOnlineClientStatistics');
        assert.deepEqual(stats.map((s) => s.UserName).sort(), [a, b].sort(), `one entry per user: ${JSON.stringify(body)}`);
        for (const s of stats) {
          assert.equal(s.OnlineCount, '0', `OnlineCount is the string "0" with no client connected: ${JSON.stringify(s)}`);
        }
      });
      await ctx.step(`a single user is still an array via ${client.name}`, async () => {
        const body = expect.success(
          await client.call('DescribeUserOnlineClientStatistics', { RegionId: region, SmartAGId: id, UserNames: [a] }),
          'DescribeUserOnlineClientStatistics',
        );
        const stats = expect.wrappedList(body, 'UserStatistics', 'Statistics', 'DescribeUserOnlineClientStatistics');
        assert.equal(stats.length, 1, JSON.stringify(body));
        assert.equal(stats[0].UserName, a);
        assert.equal(stats[0].OnlineCount, '0');
      });
    }
  },

  async 'sag-online-statistics'(ctx) {
    const region = fx.uniqueRegion();
    const first = await ctx.step('create instance 1', () => fx.createInstance(ctx.v3, region));
    const second = await ctx.step('create instance 2', () => fx.createInstance(ctx.v2, region));

    for (const client of ctx.clients) {
      await ctx.step(`SmartAGIds.1/.2 via ${client.name}`, async () => {
        const body = expect.success(
          await client.call('DescribeSagOnlineClientStatistics', { RegionId: region, SmartAGIds: [first, second] }),
          'DescribeSagOnlineClientStatistics',
        );
        const stats = expect.wrappedList(body, 'SagStatistics', 'Statistics', 'DescribeSagOnlineClientStatistics');
        assert.deepEqual(stats.map((s) => s.SmartAGId).sort(), [first, second].sort(), `one entry per instance: ${JSON.stringify(body)}`);
        for (const s of stats) {
          assert.equal(s.OnlineCount, '0', `OnlineCount is the string "0": ${JSON.stringify(s)}`);
        }
      });
      await ctx.step(`one instance via ${client.name}`, async () => {
        const body = expect.success(await client.call('DescribeSagOnlineClientStatistics', { RegionId: region, SmartAGIds: [second] }), 'DescribeSagOnlineClientStatistics');
        const stats = expect.wrappedList(body, 'SagStatistics', 'Statistics', 'DescribeSagOnlineClientStatistics');
        assert.equal(stats.length, 1, JSON.stringify(body));
        assert.equal(stats[0].SmartAGId, second);
        assert.equal(stats[0].OnlineCount, '0');
      });
    }
  },

  async 'user-flow-statistics'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.popPost, region, { cidr: '10.111.0.0/24' }));
    const a = (await ctx.step('create user a', () => fx.createUser(ctx.popPost, region, id))).userName;
    const b = (await ctx.step('create user b', () => fx.createUser(ctx.popPost, region, id))).userName;

    for (const client of ctx.clients) {
      for (const date of [fx.currentMonth(), '201905', undefined]) {
        await ctx.step(`StatisticsDate ${date ?? '(default)'} via ${client.name}`, async () => {
          const params = { RegionId: region, SmartAGId: id, UserNames: [a, b] };
          if (date !== undefined) {
            params.StatisticsDate = date;
          }
          const body = expect.success(await client.call('DescribeUserFlowStatistics', params), 'DescribeUserFlowStatistics');
          const stats = expect.wrappedList(body, 'SagStatistics', 'Statistics', 'DescribeUserFlowStatistics');
          assert.deepEqual(stats.map((s) => s.UserName).sort(), [a, b].sort(), `one entry per user: ${JSON.stringify(body)}`);
          for (const s of stats) {
            assert.equal(s.TotalBytes, '0', `TotalBytes is a string, "0" with no traffic: ${JSON.stringify(s)}`);
            assert.equal(s.TotalLeaveBytes, '0', `TotalLeaveBytes is a string, "0" with no traffic: ${JSON.stringify(s)}`);
          }
        });
      }
    }
  },
};
