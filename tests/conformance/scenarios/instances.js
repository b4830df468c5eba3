'use strict';

// SAG App instances: CreateSmartAccessGatewaySoftware, ModifySmartAccessGateway,
// DescribeSmartAccessGateways, DescribeSmartAccessGatewayAttribute (spec/smartag-api.md §1.16, §1.21, §1.22).

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');

async function attribute(client, region, id) {
  return expect.success(
    await client.call('DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }),
    `DescribeSmartAccessGatewayAttribute via ${client.name}`,
  );
}

async function listInstances(client, params) {
  const body = expect.success(await client.call('DescribeSmartAccessGateways', params), `DescribeSmartAccessGateways via ${client.name}`);
  const items = expect.wrappedList(body, 'SmartAccessGateways', 'SmartAccessGateway', `DescribeSmartAccessGateways via ${client.name}`);
  return { body, items };
}

module.exports = {
  async 'instance-create-and-describe'(ctx) {
    const region = fx.uniqueRegion();
    const created = [];
    for (const [i, client] of ctx.clients.entries()) {
      await ctx.step(`create via ${client.name}`, async () => {
        created.push({ id: await fx.createInstance(client, region, { userCount: 5 + i }), userCount: 5 + i, by: client.name });
      });
    }
    assert.equal(new Set(created.map((c) => c.id)).size, created.length, `SmartAGIds must be distinct: ${JSON.stringify(created)}`);

    for (const reader of ctx.clients) {
      for (const instance of created) {
        await ctx.step(`attribute of ${instance.id} (made by ${instance.by}) via ${reader.name}`, async () => {
          const body = await attribute(reader, region, instance.id);
          assert.equal(body.SmartAGId, instance.id);
          assert.equal(body.UserCount, instance.userCount, `UserCount (Integer) in ${JSON.stringify(body)}`);
          assert.equal(body.DataPlan, 5, `DataPlan (Long) in ${JSON.stringify(body)}`);
          assert.equal(body.Status, 'Active', `a new instance is active at once (DESIGN.md §3): ${JSON.stringify(body)}`);
        });
      }
    }
  },

  async 'instance-modify'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create', () => fx.createInstance(ctx.pop, region));

    await ctx.step('modify Name via pop-get', async () => {
      expect.success(await ctx.pop.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: id, Name: 'branch-office_1' }), 'ModifySmartAccessGateway');
    });
    await ctx.step('modify Description via pop-post', async () => {
      expect.success(await ctx.popPost.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: id, Description: 'Front desk clients' }), 'ModifySmartAccessGateway');
    });
    await ctx.step('modify CidrBlock via openapi-v3', async () => {
      expect.success(await ctx.v3.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: id, CidrBlock: '10.20.0.0/24' }), 'ModifySmartAccessGateway');
    });

    for (const reader of ctx.clients) {
      await ctx.step(`read back via ${reader.name}`, async () => {
        const body = await attribute(reader, region, id);
        assert.equal(body.Name, 'branch-office_1', `Name in ${JSON.stringify(body)}`);
        assert.equal(body.Description, 'Front desk clients', `Description in ${JSON.stringify(body)}`);
        assert.equal(body.CidrBlock, '10.20.0.0/24', `CidrBlock in ${JSON.stringify(body)}`);
      });
    }

    await ctx.step('modify all three at once via openapi-v2, others untouched by a partial modify', async () => {
      expect.success(
        await ctx.v2.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: id, Name: 'hq', Description: 'Head office', CidrBlock: '172.16.8.0/22' }),
        'ModifySmartAccessGateway',
      );
      expect.success(await ctx.pop.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: id, Name: 'hq-2' }), 'ModifySmartAccessGateway');
      const body = await attribute(ctx.v3, region, id);
      assert.equal(body.Name, 'hq-2');
      assert.equal(body.Description, 'Head office');
      assert.equal(body.CidrBlock, '172.16.8.0/22');
    });

    await ctx.step('the list shows the same values', async () => {
      const { items } = await listInstances(ctx.popPost, { RegionId: region, SmartAGId: id });
      assert.equal(items.length, 1, `one instance expected: ${JSON.stringify(items)}`);
      assert.equal(items[0].SmartAGId, id);
      assert.equal(items[0].Name, 'hq-2');
      assert.equal(items[0].Description, 'Head office');
      assert.equal(items[0].CidrBlock, '172.16.8.0/22');
    });
  },

  async 'instance-list-paging'(ctx) {
    const region = fx.uniqueRegion();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await ctx.step(`create #${i + 1}`, () => fx.createInstance(ctx.clients[i], region)));
    }
    // An instance elsewhere must never show up in this region's list.
    const elsewhere = await ctx.step('create in another region', () => fx.createInstance(ctx.v2, fx.uniqueRegion()));

    for (const client of ctx.clients) {
      await ctx.step(`defaults via ${client.name}`, async () => {
        const { body, items } = await listInstances(client, { RegionId: region });
        assert.equal(body.TotalCount, 3, `TotalCount in ${JSON.stringify(body)}`);
        assert.equal(body.PageNumber, 1, `default PageNumber in ${JSON.stringify(body)}`);
        assert.equal(body.PageSize, 10, `default PageSize in ${JSON.stringify(body)}`);
        assert.deepEqual(items.map((x) => x.SmartAGId).sort(), [...ids].sort());
        assert.ok(!items.some((x) => x.SmartAGId === elsewhere), 'an instance of another region was listed');
      });

      await ctx.step(`pages of 2 via ${client.name}`, async () => {
        const page1 = await listInstances(client, { RegionId: region, PageSize: 2, PageNumber: 1 });
        const page2 = await listInstances(client, { RegionId: region, PageSize: 2, PageNumber: 2 });
        const page3 = await listInstances(client, { RegionId: region, PageSize: 2, PageNumber: 3 });
        assert.equal(page1.body.TotalCount, 3);
        assert.equal(page1.body.PageNumber, 1);
        assert.equal(page1.body.PageSize, 2);
        assert.equal(page1.items.length, 2, `page 1: ${JSON.stringify(page1.body)}`);
        assert.equal(page2.body.TotalCount, 3);
        assert.equal(page2.body.PageNumber, 2);
        assert.equal(page2.body.PageSize, 2);
        assert.equal(page2.items.length, 1, `page 2 (a single item is still an array): ${JSON.stringify(page2.body)}`);
        assert.equal(page3.items.length, 0, `page 3 is past the end: ${JSON.stringify(page3.body)}`);
        assert.equal(page3.body.TotalCount, 3);
        const seen = [...page1.items, ...page2.items].map((x) => x.SmartAGId).sort();
        assert.deepEqual(seen, [...ids].sort(), 'pages must partition the list');
      });
    }

    await ctx.step('filter by SmartAGId', async () => {
      const { body, items } = await listInstances(ctx.v3, { RegionId: region, SmartAGId: ids[1] });
      assert.equal(body.TotalCount, 1);
      assert.equal(items.length, 1);
      assert.equal(items[0].SmartAGId, ids[1]);
    });

    await ctx.step('filter by SmartAGIds.N', async () => {
      const { body, items } = await listInstances(ctx.pop, { RegionId: region, SmartAGIds: [ids[0], ids[2]] });
      assert.equal(body.TotalCount, 2, `TotalCount in ${JSON.stringify(body)}`);
      assert.deepEqual(items.map((x) => x.SmartAGId).sort(), [ids[0], ids[2]].sort());
    });

    await ctx.step('an empty region lists an empty array', async () => {
      const { body, items } = await listInstances(ctx.v2, { RegionId: fx.uniqueRegion() });
      assert.equal(body.TotalCount, 0);
      assert.deepEqual(items, []);
    });
  },

  async 'instance-region-isolation'(ctx) {
    const region = fx.uniqueRegion();
    const other = fx.uniqueRegion();
    const id = await ctx.step('create', () => fx.createInstance(ctx.v3, region));
    for (const client of ctx.clients) {
      await ctx.step(`attribute from another region via ${client.name}`, async () => {
        const err = await client.fail('DescribeSmartAccessGatewayAttribute', { RegionId: other, SmartAGId: id });
        expect.apiError(err, { code: 'SAG.InstanceNoFound', status: 400 });
      });
      await ctx.step(`modify from another region via ${client.name}`, async () => {
        const err = await client.fail('ModifySmartAccessGateway', { RegionId: other, SmartAGId: id, Name: 'stolen' });
        expect.apiError(err, { code: 'SAG.InstanceNoFound', status: 400 });
      });
    }
    await ctx.step('the instance is unchanged', async () => {
      const body = await attribute(ctx.pop, region, id);
      assert.notEqual(body.Name, 'stolen');
    });
  },
};
