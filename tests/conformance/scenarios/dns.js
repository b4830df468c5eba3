'use strict';

// SAG App DNS settings: DescribeClientUserDNS / ModifyClientUserDNS (spec/smartag-api.md §1.13, §1.14).
// AppDNS and RecoveredDNS are plain JSON arrays, without the usual wrapper object.

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');

async function describeDns(client, region, id) {
  const body = expect.success(await client.call('DescribeClientUserDNS', { RegionId: region, SmartAGId: id }), `DescribeClientUserDNS via ${client.name}`);
  assert.ok(Array.isArray(body.AppDNS), `AppDNS must be a plain array: ${JSON.stringify(body)}`);
  assert.ok(Array.isArray(body.RecoveredDNS), `RecoveredDNS must be a plain array: ${JSON.stringify(body)}`);
  return body;
}

module.exports = {
  async 'client-user-dns'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));

    for (const client of ctx.clients) {
      await ctx.step(`a new instance has no DNS via ${client.name}`, async () => {
        const body = await describeDns(client, region, id);
        assert.deepEqual(body.AppDNS, []);
        assert.deepEqual(body.RecoveredDNS, []);
      });
    }

    const settings = [
      { AppDNS: ['100.100.2.136', '100.100.2.138'], RecoveredDNS: ['114.114.114.114'] },
      { AppDNS: ['10.0.0.53'], RecoveredDNS: ['223.5.5.5', '223.6.6.6'] },
      { AppDNS: ['1.1.1.1', '8.8.8.8'], RecoveredDNS: ['9.9.9.9'] },
      { AppDNS: ['192.168.1.1', '192.168.1.2'], RecoveredDNS: [] },
    ];
    for (const [i, writer] of ctx.clients.entries()) {
      const setting = settings[i];
      await ctx.step(`set AppDNS.N / RecoveredDNS.N via ${writer.name}`, async () => {
        expect.onlyRequestId(await writer.call('ModifyClientUserDNS', { RegionId: region, SmartAGId: id, ...setting }), 'ModifyClientUserDNS');
        for (const reader of ctx.clients) {
          const body = await describeDns(reader, region, id);
          assert.deepEqual(body.AppDNS, setting.AppDNS, `AppDNS read via ${reader.name}`);
          assert.deepEqual(body.RecoveredDNS, setting.RecoveredDNS, `RecoveredDNS read via ${reader.name}`);
        }
      });
    }

    await ctx.step('omitting AppDNS clears it (§1.14)', async () => {
      expect.onlyRequestId(await ctx.v3.call('ModifyClientUserDNS', { RegionId: region, SmartAGId: id }), 'ModifyClientUserDNS');
      const body = await describeDns(ctx.pop, region, id);
      assert.deepEqual(body.AppDNS, []);
    });

    for (const client of ctx.clients) {
      await ctx.step(`a value that is not an IP address via ${client.name}`, async () => {
        const err = await client.fail('ModifyClientUserDNS', { RegionId: region, SmartAGId: id, AppDNS: ['100.100.2.136', 'dns.example.com'] });
        expect.apiError(err, { code: 'InvalidParam.Ip', status: 400 });
      });
    }

    await ctx.step('another instance is unaffected', async () => {
      const other = await fx.createInstance(ctx.v2, region);
      expect.onlyRequestId(await ctx.pop.call('ModifyClientUserDNS', { RegionId: region, SmartAGId: id, AppDNS: ['100.100.2.136'] }), 'ModifyClientUserDNS');
      const body = await describeDns(ctx.v2, region, other);
      assert.deepEqual(body.AppDNS, []);
    });
  },
};
