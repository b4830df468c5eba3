'use strict';

// ACL rules: AddACLRule, DescribeACLAttribute, ModifyACLRule, DeleteACLRule, every documented validation error,
// and the 50-rules limit (spec/smartag-acl-and-more.md §1.2, §1.7–§1.10, §1.16; acl12 decisions). Values are
// echoed exactly as sent (letter case, -1/-1, host bits), as Terraform's diff needs (§1.15).

const assert = require('node:assert/strict');

const acl = require('../lib/acl');
const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const raw = require('../lib/raw');
const wire = require('../lib/wire');

const { ERR, BASE_RULE } = acl;

// Rules per ACL (spec §1.1).
const RULE_LIMIT = 50;

/** The parameters without the undefined ones (pop-core would send the text "undefined"). */
function compact(params) {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}

async function softwareAcl(ctx, track, region) {
  return track(region, (await acl.createAcl(ctx.pop, region, { aclType: 'acl-software' })).id);
}

module.exports = {
  async 'acl-rule-add-and-describe'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const aclId = await ctx.step('create an ACL', () => softwareAcl(ctx, track, region));
      // One rule per client, each with a different spelling the server must keep as sent.
      const variants = [
        { Priority: 10, Name: 'web-drop', Description: 'Block the intranet web server' },
        {
          Direction: 'IN', Policy: 'Accept', IpProtocol: 'udp', SourceCidr: '0.0.0.0/0', SourcePortRange: '1/65535',
          DestCidr: '10.10.0.1/24', DestPortRange: '53/53', Priority: 5, Type: 'WAN', DpiGroupIds: ['1', '20'], DpiSignatureIds: ['100'],
        },
        {
          Policy: 'accept', IpProtocol: 'ALL', SourceCidr: '10.10.0.0/16', DestCidr: '172.16.0.0/12', DestPortRange: '1/65535',
          Name: '中文规则.1', Description: 'Ünïcödé + spaces & symbols = "ok"',
        },
        { Direction: 'in', Policy: 'DROP', IpProtocol: 'icmp', SourceCidr: '8.8.8.8/32', DestCidr: '10.10.0.0/24', DestPortRange: '-1/-1', Priority: 100, Type: 'lan' },
      ];
      const added = [];
      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`AddACLRule via ${client.name}`, async () => {
          const { rule } = await acl.addRule(client, region, aclId, variants[i]);
          assert.equal(rule.AclId, aclId);
          added.push(rule);
        });
      }
      assert.equal(new Set(added.map((r) => r.AcrId)).size, added.length, 'AcrIds must be distinct');
      // Priority ascending (1 is evaluated first), then creation time (spec §1.10).
      const byPriority = [added[2], added[1], added[0], added[3]];

      for (const reader of ctx.clients) {
        await ctx.step(`DescribeACLAttribute via ${reader.name}`, async () => {
          const { body, acrs } = await acl.listRules(reader, region, aclId);
          assert.equal(body.TotalCount, 4, `TotalCount in ${JSON.stringify(body)}`);
          assert.equal(body.PageNumber, 1, `default PageNumber in ${JSON.stringify(body)}`);
          assert.equal(body.PageSize, 10, `default PageSize in ${JSON.stringify(body)}`);
          assert.deepEqual(acrs.map((r) => r.AcrId), byPriority.map((r) => r.AcrId), 'ordered by Priority');
          for (const [i, listed] of acrs.entries()) {
            const sent = variants[added.indexOf(byPriority[i])];
            acl.assertRule(listed, { ...BASE_RULE, ...sent, AclId: aclId }, 'Acrs.Acr[]');
            for (const [field, value] of Object.entries(acl.ruleFields(byPriority[i]))) {
              // AddACLRule answers an unset Description as ""; DescribeACLAttribute leaves it out (spec §1.10).
              if (!(value === '' && !(field in listed))) {
                assert.deepEqual(expect.plain(listed[field]), expect.plain(value), `listed ${field} equals what AddACLRule answered: ${JSON.stringify(listed)}`);
              }
            }
          }
        });
      }

      for (const client of ctx.clients) {
        await ctx.step(`pages of 2 via ${client.name}`, async () => {
          const seen = [];
          for (const [page, expected] of [[1, 2], [2, 2], [3, 0]]) {
            const { body, acrs } = await acl.listRules(client, region, aclId, { PageSize: 2, PageNumber: page });
            assert.equal(body.TotalCount, 4, `page ${page} TotalCount in ${JSON.stringify(body)}`);
            assert.equal(body.PageNumber, page);
            assert.equal(body.PageSize, 2);
            assert.equal(acrs.length, expected, `page ${page} in ${JSON.stringify(body)}`);
            seen.push(...acrs.map((r) => r.AcrId));
          }
          assert.deepEqual(seen, byPriority.map((r) => r.AcrId), 'pages follow the same order');
        });
        await ctx.step(`Direction, Name and Order filters via ${client.name}`, async () => {
          const out = await acl.listRules(client, region, aclId, { Direction: 'out' });
          assert.equal(out.body.TotalCount, 2, `TotalCount counts the filtered rules: ${JSON.stringify(out.body)}`);
          assert.deepEqual(out.acrs.map((r) => r.AcrId), [added[2].AcrId, added[0].AcrId]);
          const named = await acl.listRules(client, region, aclId, { Name: 'drop' });
          assert.deepEqual(named.acrs.map((r) => r.AcrId), [added[0].AcrId], 'Name matches a part of the rule name');
          assert.equal(named.body.TotalCount, 1);
          const chinese = await acl.listRules(client, region, aclId, { Name: '中文' });
          assert.deepEqual(chinese.acrs.map((r) => r.AcrId), [added[2].AcrId]);
          // Order is documented only as an "order ID"; it is accepted and changes nothing.
          const ordered = await acl.listRules(client, region, aclId, { Order: '1255444444' });
          assert.deepEqual(ordered.acrs.map((r) => r.AcrId), byPriority.map((r) => r.AcrId));
        });
      }

      await ctx.step('equal priorities keep creation order', async () => {
        const first = (await acl.addRule(ctx.v3, region, aclId, { Priority: 50, Name: 'tie_first' })).rule;
        const second = (await acl.addRule(ctx.pop, region, aclId, { Priority: 50, Name: 'tie_second' })).rule;
        const { acrs } = await acl.listRules(ctx.v2, region, aclId, { Name: 'tie_' });
        // Created in the same millisecond, the AcrId decides (spec §1.1's deterministic order).
        const expected = first.GmtCreate === second.GmtCreate ? [first.AcrId, second.AcrId].sort() : [first.AcrId, second.AcrId];
        assert.deepEqual(acrs.map((r) => r.AcrId), expected);
      });
    });
  },

  async 'acl-rule-modify-and-delete'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const aclId = await ctx.step('create an ACL', () => softwareAcl(ctx, track, region));
      const start = { Priority: 7, Name: 'rule_a', Description: 'first text', Type: 'LAN', DpiGroupIds: ['3', '4'], DpiSignatureIds: ['11'] };
      const { rule: original } = await ctx.step('add a rule', () => acl.addRule(ctx.popPost, region, aclId, start));
      let expected = { ...BASE_RULE, ...start, AclId: aclId };

      // Each client changes a few fields; ModifyACLRule writes only those (spec §1.2 "Modify semantics").
      const changes = [
        { Priority: 20 },
        { Policy: 'ACCEPT', Description: 'second text, with spaces' },
        { DestPortRange: '8000/8080', Name: 'renamed_rule', SourceCidr: '10.10.0.128/25' },
        { DpiGroupIds: ['7'], Direction: 'In', IpProtocol: 'Udp' },
      ];
      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`ModifyACLRule ${Object.keys(changes[i]).join(', ')} via ${client.name}`, async () => {
          const body = expect.success(
            await client.call('ModifyACLRule', { RegionId: region, AclId: aclId, AcrId: original.AcrId, ...changes[i] }),
            'ModifyACLRule',
          );
          expected = { ...expected, ...changes[i] };
          // ModifyACLRuleResponseBody: the rule after the change, without Type; GmtCreate stays the creation time.
          acl.assertRule(body, expected, `ModifyACLRule via ${client.name}`, { withType: false });
          assert.equal(body.AcrId, original.AcrId);
          assert.equal(body.GmtCreate, original.GmtCreate, 'GmtCreate keeps the creation time');
          const { acrs } = await acl.listRules(ctx.clients[(i + 1) % ctx.clients.length], region, aclId);
          assert.equal(acrs.length, 1);
          acl.assertRule(acrs[0], expected, 'read back after ModifyACLRule');
          assert.equal(acrs[0].GmtCreate, original.GmtCreate);
        });
      }
      assert.deepEqual(expected.DpiSignatureIds, ['11'], 'an omitted list was kept (checked against the server above)');

      for (const client of ctx.clients) {
        await ctx.step(`ModifyACLRule to protocol ALL with a port range left is refused via ${client.name}`, async () => {
          // The rule as it would be after the change is checked: ALL needs all ports on both sides.
          expect.apiError(await client.fail('ModifyACLRule', { RegionId: region, AclId: aclId, AcrId: original.AcrId, IpProtocol: 'ALL' }), ERR.invalidPortRange);
        });
      }
      await ctx.step('ModifyACLRule to ALL with both ranges all ports works', async () => {
        const body = expect.success(
          await ctx.v3.call('ModifyACLRule', { RegionId: region, AclId: aclId, AcrId: original.AcrId, IpProtocol: 'ALL', DestPortRange: '-1/-1', SourcePortRange: '1/65535' }),
          'ModifyACLRule',
        );
        expected = { ...expected, IpProtocol: 'ALL', DestPortRange: '-1/-1', SourcePortRange: '1/65535' };
        acl.assertRule(body, expected, 'ModifyACLRule to ALL', { withType: false });
      });

      await ctx.step('ModifyACLRule in XML', async () => {
        const res = await raw.signedRequest(ctx.env, 'ModifyACLRule', { RegionId: region, AclId: aclId, AcrId: original.AcrId, Description: 'xml & text' }, { common: { Format: 'XML' } });
        const body = wire.xmlSuccess(res, 'ModifyACLRule', 'ModifyACLRule XML');
        assert.equal(wire.xmlText(body, 'AcrId'), original.AcrId);
        assert.equal(wire.xmlText(body, 'Description'), 'xml & text');
        assert.equal(wire.xmlText(body, 'GmtCreate'), String(original.GmtCreate));
        expected = { ...expected, Description: 'xml & text' };
      });

      const more = [];
      for (const client of ctx.clients) {
        more.push((await ctx.step(`add a rule to delete via ${client.name}`, () => acl.addRule(client, region, aclId, { Name: `gone_${more.length}` }))).rule);
      }
      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`DeleteACLRule via ${client.name}`, async () => {
          expect.onlyRequestId(await client.call('DeleteACLRule', { RegionId: region, AclId: aclId, AcrId: more[i].AcrId }), 'DeleteACLRule');
          const { body, acrs } = await acl.listRules(ctx.clients[(i + 3) % ctx.clients.length], region, aclId);
          assert.equal(body.TotalCount, 1 + more.length - i - 1, `TotalCount in ${JSON.stringify(body)}`);
          assert.ok(!acrs.some((r) => r.AcrId === more[i].AcrId), `${more[i].AcrId} still listed`);
          expect.apiError(await client.fail('DeleteACLRule', { RegionId: region, AclId: aclId, AcrId: more[i].AcrId }), ERR.invalidAcr);
        });
      }
      await ctx.step('DeleteACLRule in XML', async () => {
        const params = { RegionId: region, AclId: aclId, AcrId: original.AcrId };
        wire.xmlSuccess(await raw.signedRequest(ctx.env, 'DeleteACLRule', params, { method: 'POST', common: { Format: 'XML' } }), 'DeleteACLRule', 'DeleteACLRule XML');
        const again = await raw.signedRequest(ctx.env, 'DeleteACLRule', params, { common: { Format: 'XML' } });
        wire.assertXmlError(again, ERR.invalidAcr.code, ERR.invalidAcr.status, 'DeleteACLRule again XML');
      });
    });
  },

  async 'acl-rule-errors'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const aclId = await ctx.step('create an ACL', () => softwareAcl(ctx, track, region));
      const { rule: first } = await ctx.step('add a valid rule', () => acl.addRule(ctx.pop, region, aclId));
      const otherRegion = fx.uniqueRegion();
      const otherAcl = await ctx.step('an ACL in another region', () => softwareAcl(ctx, track, otherRegion));

      // Each case is the whole parameter set of one call; undefined removes a parameter.
      const rule = (fields) => compact({ RegionId: region, AclId: aclId, ...BASE_RULE, ...fields });
      const addCases = [
        ...Object.keys(BASE_RULE).map((field) => [`no ${field}`, rule({ [field]: undefined }), ERR.missing]),
        ['no AclId', rule({ AclId: undefined }), ERR.missing],
        ['Direction inbound', rule({ Direction: 'inbound' }), ERR.invalidParameter],
        ['Policy allow', rule({ Policy: 'allow' }), ERR.invalidParameter],
        ['IpProtocol GRE', rule({ IpProtocol: 'GRE' }), ERR.notSupportedProtocol],
        ['IpProtocol tcpx', rule({ IpProtocol: 'tcpx' }), ERR.notSupportedProtocol],
        ['SourcePortRange 0/10', rule({ SourcePortRange: '0/10' }), ERR.invalidPortRange],
        ['DestPortRange 10/5', rule({ DestPortRange: '10/5' }), ERR.invalidPortRange],
        ['DestPortRange 1/65536', rule({ DestPortRange: '1/65536' }), ERR.invalidPortRange],
        ['DestPortRange 80', rule({ DestPortRange: '80' }), ERR.invalidPortRange],
        ['DestPortRange -1/80', rule({ DestPortRange: '-1/80' }), ERR.invalidPortRange],
        ['SourcePortRange a/b', rule({ SourcePortRange: 'a/b' }), ERR.invalidPortRange],
        ['ALL with DestPortRange 80/80', rule({ IpProtocol: 'ALL' }), ERR.invalidPortRange],
        ['ICMP with SourcePortRange 1/100', rule({ IpProtocol: 'ICMP', SourcePortRange: '1/100', DestPortRange: '-1/-1' }), ERR.invalidPortRange],
        ['SourceCidr /33', rule({ SourceCidr: '10.0.0.0/33' }), ERR.invalidParameter],
        ['DestCidr 10.0.0.256/24', rule({ DestCidr: '10.0.0.256/24' }), ERR.invalidParameter],
        ['DestCidr without a prefix', rule({ DestCidr: '10.0.0.0' }), ERR.invalidParameter],
        ['SourceCidr IPv6', rule({ SourceCidr: '2001:db8::/32' }), ERR.invalidParameter],
        ['Priority 0', rule({ Priority: 0 }), ERR.invalidParameter],
        ['Priority 101', rule({ Priority: 101 }), ERR.invalidParameter],
        ['Type DMZ', rule({ Type: 'DMZ' }), ERR.invalidType],
        ['rule Name starting with a digit', rule({ Name: '1rule' }), ERR.invalidParameter],
        ['rule Name of one character', rule({ Name: 'r' }), ERR.invalidParameter],
        ['Description of 513 characters', rule({ Description: 'd'.repeat(513) }), ERR.invalidDescription],
        ['101 DpiGroupIds', rule({ DpiGroupIds: Array.from({ length: 101 }, (_, i) => String(i + 1)) }), ERR.invalidParameter],
        ['an unknown AclId', rule({ AclId: acl.unknownAclId() }), ERR.invalidAcl],
        ['an ACL of another region', rule({ AclId: otherAcl }), ERR.invalidAcl],
      ];
      for (const client of ctx.clients) {
        await ctx.step(`AddACLRule errors via ${client.name}`, async () => {
          for (const [what, params, error] of addCases) {
            expect.apiError(await client.fail('AddACLRule', params), error, `AddACLRule ${what}`);
          }
        });
      }

      await ctx.step('values at the edges are accepted', async () => {
        const edges = [
          { Priority: 1, SourcePortRange: '1/1', DestPortRange: '65535/65535', Name: 'ab' },
          { Priority: 100, Description: 'd'.repeat(512), Name: `n${'x'.repeat(127)}` },
          { IpProtocol: 'all', SourcePortRange: '1/65535', DestPortRange: '-1/-1', DpiSignatureIds: Array.from({ length: 100 }, (_, i) => String(i + 1)) },
          { IpProtocol: 'Icmp', SourcePortRange: '-1/-1', DestPortRange: '1/65535', SourceCidr: '0.0.0.0/0', DestCidr: '10.1.2.3/32', Type: 'wan' },
        ];
        for (const [i, fields] of edges.entries()) {
          await acl.addRule(ctx.clients[i], region, aclId, fields);
        }
      });

      const modifyCases = [
        ['an unknown AcrId', { AcrId: acl.unknownAcrId() }, ERR.invalidAcr],
        ['an unknown AclId', { AclId: acl.unknownAclId() }, ERR.invalidAcl],
        ['no AcrId', { AcrId: undefined }, ERR.missing],
        ['no AclId', { AclId: undefined }, ERR.missing],
        ['Direction both', { Direction: 'both' }, ERR.invalidParameter],
        ['Policy reject', { Policy: 'reject' }, ERR.invalidParameter],
        ['IpProtocol SCTP', { IpProtocol: 'SCTP' }, ERR.notSupportedProtocol],
        ['DestPortRange 9/8', { DestPortRange: '9/8' }, ERR.invalidPortRange],
        ['SourceCidr 300.1.1.1/8', { SourceCidr: '300.1.1.1/8' }, ERR.invalidParameter],
        ['Priority 101', { Priority: 101 }, ERR.invalidParameter],
        ['Type VPN', { Type: 'VPN' }, ERR.invalidType],
        ['Name with a space', { Name: 'my rule' }, ERR.invalidParameter],
        ['Description of 513 characters', { Description: 'e'.repeat(513) }, ERR.invalidDescription],
      ];
      const deleteCases = [
        ['an unknown AcrId', { AcrId: acl.unknownAcrId() }, ERR.invalidAcr],
        ['an unknown AclId', { AclId: acl.unknownAclId() }, ERR.invalidAcl],
        ['no AcrId', { AcrId: undefined }, ERR.missing],
        ['no AclId', { AclId: undefined }, ERR.missing],
      ];
      for (const client of ctx.clients) {
        await ctx.step(`ModifyACLRule and DeleteACLRule errors via ${client.name}`, async () => {
          for (const [what, fields, error] of modifyCases) {
            const err = await client.fail('ModifyACLRule', compact({ RegionId: region, AclId: aclId, AcrId: first.AcrId, ...fields }));
            expect.apiError(err, error, `ModifyACLRule ${what}`);
          }
          for (const [what, fields, error] of deleteCases) {
            expect.apiError(await client.fail('DeleteACLRule', compact({ RegionId: region, AclId: aclId, AcrId: first.AcrId, ...fields })), error, `DeleteACLRule ${what}`);
          }
        });
        await ctx.step(`DescribeACLAttribute errors via ${client.name}`, async () => {
          expect.apiError(await client.fail('DescribeACLAttribute', { RegionId: region, AclId: acl.unknownAclId() }), ERR.invalidAcl, 'unknown AclId');
          expect.apiError(await client.fail('DescribeACLAttribute', { RegionId: region }), ERR.missing, 'no AclId');
          expect.apiError(await client.fail('DescribeACLAttribute', { RegionId: region, AclId: aclId, PageSize: 51 }), ERR.invalidParameter, 'PageSize 51');
        });
      }

      await ctx.step('failed calls wrote nothing', async () => {
        const { body, acrs } = await acl.listRules(ctx.v3, region, aclId, { PageSize: 50 });
        assert.equal(body.TotalCount, 5, `the valid rule and the four edge rules only: ${JSON.stringify(body)}`);
        const kept = acrs.find((r) => r.AcrId === first.AcrId);
        acl.assertRule(kept, { ...BASE_RULE, AclId: aclId }, 'the first rule, unchanged by the failed modifications');
      });
    });
  },

  async 'acl-rule-limit'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const aclId = await ctx.step('create an ACL', () => softwareAcl(ctx, track, region));
      const ids = [];
      await ctx.step(`add ${RULE_LIMIT} rules`, async () => {
        for (let i = 0; i < RULE_LIMIT; i++) {
          const client = ctx.clients[i % ctx.clients.length];
          const body = expect.success(await client.call('AddACLRule', { RegionId: region, AclId: aclId, ...BASE_RULE, DestPortRange: `${1000 + i}/${1000 + i}` }), `rule ${i + 1}`);
          ids.push(body.AcrId);
        }
      });
      for (const client of ctx.clients) {
        await ctx.step(`rule ${RULE_LIMIT + 1} is refused via ${client.name}`, async () => {
          expect.apiError(await client.fail('AddACLRule', { RegionId: region, AclId: aclId, ...BASE_RULE }), ERR.acrPerAclAmountLimit);
        });
      }
      await ctx.step('deleting one makes room for one', async () => {
        expect.onlyRequestId(await ctx.v2.call('DeleteACLRule', { RegionId: region, AclId: aclId, AcrId: ids[0] }), 'DeleteACLRule');
        await acl.addRule(ctx.v3, region, aclId, { Name: 'room_again' });
        expect.apiError(await ctx.pop.fail('AddACLRule', { RegionId: region, AclId: aclId, ...BASE_RULE }), ERR.acrPerAclAmountLimit);
        const { body } = await acl.listRules(ctx.popPost, region, aclId, { PageSize: 50 });
        assert.equal(body.TotalCount, RULE_LIMIT);
      });
    });
  },
};
