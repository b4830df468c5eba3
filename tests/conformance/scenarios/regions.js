'use strict';

// DescribeRegions (spec/smartag-acl-and-more.md §3.1; acl12 decisions: the ten regions of the endpoint table,
// LocalName in AcceptLanguage zh-CN (default), en-US or ja, RegionId not required and ignored).

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const { goRequest } = require('../lib/oldgo');
const raw = require('../lib/raw');
const wire = require('../lib/wire');

// The Smartag endpoint table (spec §3.1, S1 Client.java _endpointMap).
const REGION_IDS = [
  'cn-hangzhou',
  'cn-shanghai',
  'cn-hongkong',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-5',
  'ap-northeast-1',
  'eu-central-1',
  'cn-shanghai-finance-1',
];

/**
 * DescribeRegionsResponseBody: RequestId; Regions.Region[] of DescribeRegionsResponseBodyRegionsRegion
 * {RegionId, LocalName, RegionEndpoint}, all String.
 */
function assertRegions(body, where) {
  expect.success(body, where);
  const regions = expect.wrappedList(body, 'Regions', 'Region', where);
  for (const region of regions) {
    for (const field of ['RegionId', 'LocalName', 'RegionEndpoint']) {
      expect.type(region[field], 'string', `${where} ${field} in ${JSON.stringify(region)}`);
    }
    assert.ok(region.LocalName.length > 0, `${where}: empty LocalName in ${JSON.stringify(region)}`);
    assert.equal(region.RegionEndpoint, `smartag.${region.RegionId}.aliyuncs.com`, `${where}: RegionEndpoint of ${JSON.stringify(region)}`);
  }
  assert.deepEqual(regions.map((r) => r.RegionId).sort(), [...REGION_IDS].sort(), `${where}: the ten Smartag regions`);
  return Object.fromEntries(regions.map((r) => [r.RegionId, r.LocalName]));
}

module.exports = {
  async 'describe-regions'(ctx) {
    const names = {};
    for (const client of ctx.clients) {
      await ctx.step(`no RegionId, default language via ${client.name}`, async () => {
        names['zh-CN'] = assertRegions(await client.call('DescribeRegions', {}), `DescribeRegions via ${client.name}`);
        assert.equal(names['zh-CN']['cn-shanghai'], '华东2(上海)', 'zh-CN is the default (spec §3.1 example)');
      });
      await ctx.step(`AcceptLanguage en-US, zh-CN, ja via ${client.name}`, async () => {
        const en = assertRegions(await client.call('DescribeRegions', { AcceptLanguage: 'en-US' }), 'en-US');
        assert.equal(en['cn-shanghai'], 'China (Shanghai)');
        const zh = assertRegions(await client.call('DescribeRegions', { AcceptLanguage: 'zh-CN' }), 'zh-CN');
        assert.deepEqual(zh, names['zh-CN']);
        names.ja = assertRegions(await client.call('DescribeRegions', { AcceptLanguage: 'ja' }), 'ja');
      });
      await ctx.step(`a RegionId is ignored via ${client.name}`, async () => {
        assertRegions(await client.call('DescribeRegions', { RegionId: 'cn-hangzhou' }), 'with RegionId');
        assertRegions(await client.call('DescribeRegions', { RegionId: 'cn-conf-anything' }), 'with an unknown RegionId');
      });
    }
    assert.notDeepEqual(names.ja, names['zh-CN'], 'ja names are not the zh-CN ones');

    await ctx.step('the old Go SDK (always a RegionId, POST with the query)', async () => {
      const res = await goRequest(ctx.env, 'DescribeRegions', { AcceptLanguage: 'en-US' }, { regionId: 'cn-shanghai' });
      assertRegions(wire.jsonSuccess(res, 'DescribeRegions (old Go SDK)'), 'DescribeRegions (old Go SDK)');
    });

    await ctx.step('XML', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeRegions', { AcceptLanguage: 'en-US' }, { common: { Format: 'XML' } });
      const body = wire.xmlSuccess(res, 'DescribeRegions', 'DescribeRegions XML');
      const lists = wire.xmlBlocks(body, 'Regions');
      assert.equal(lists.length, 1, `one <Regions> wrapper in ${res.body}`);
      const items = wire.xmlBlocks(lists[0], 'Region');
      assert.deepEqual(items.map((x) => wire.xmlText(x, 'RegionId')).sort(), [...REGION_IDS].sort(), `<Regions><Region>… in ${res.body}`);
      const shanghai = items.find((x) => wire.xmlText(x, 'RegionId') === 'cn-shanghai');
      assert.equal(wire.xmlText(shanghai, 'LocalName'), 'China (Shanghai)');
      assert.equal(wire.xmlText(shanghai, 'RegionEndpoint'), 'smartag.cn-shanghai.aliyuncs.com');
    });
  },
};
