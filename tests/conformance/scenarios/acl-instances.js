'use strict';

// AssociateACL / DisassociateACL and the ACL fields and filters of DescribeSmartAccessGateways and
// DescribeSmartAccessGatewayAttribute (spec/smartag-acl-and-more.md §1.11–§1.13, §1.16; acl12 decisions: one ACL
// per instance, only acl-software ACLs on SAG App instances, DeleteACL disassociates).

const assert = require('node:assert/strict');

const acl = require('../lib/acl');
const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const raw = require('../lib/raw');
const wire = require('../lib/wire');

const { ERR } = acl;

/** DescribeSmartAccessGatewayAttributeResponseBody.AclIds.AclId: a wrapped List<String>, a real array even when empty. */
async function attributeAclIds(client, region, id) {
  const where = `DescribeSmartAccessGatewayAttribute via ${client.name}`;
  const body = expect.success(await client.call('DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }), where);
  return expect.wrappedList(body, 'AclIds', 'AclId', where);
}

/** DescribeSmartAccessGatewaysResponseBodySmartAccessGatewaysSmartAccessGateway.AclIds: a plain String. */
async function listInstances(client, region, extra = {}) {
  const where = `DescribeSmartAccessGateways via ${client.name}`;
  const body = expect.success(await client.call('DescribeSmartAccessGateways', { RegionId: region, ...extra }), where);
  const items = expect.wrappedList(body, 'SmartAccessGateways', 'SmartAccessGateway', where);
  return { body, items };
}

function listedAclIds(item) {
  if (!('AclIds' in item)) {
    return '';
  }
  expect.type(item.AclIds, 'string', `SmartAccessGateway.AclIds (String) in ${JSON.stringify(item)}`);
  return item.AclIds;
}

async function sagCount(client, region, aclId) {
  return (await acl.findAcl(client, region, aclId)).SagCount;
}

module.exports = {
  async 'acl-associate-and-instance-fields'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const a = await ctx.step('create instance A', () => fx.createInstance(ctx.pop, region));
      const b = await ctx.step('create instance B', () => fx.createInstance(ctx.v3, region));
      const s1 = await ctx.step('create software ACL 1', async () => track(region, (await acl.createAcl(ctx.pop, region, { aclType: 'acl-software' })).id));
      const s2 = await ctx.step('create software ACL 2', async () => track(region, (await acl.createAcl(ctx.v2, region, { aclType: 'acl-software' })).id));
      const hw = await ctx.step('create a hardware ACL (the default type)', async () => track(region, (await acl.createAcl(ctx.popPost, region)).id));

      await ctx.step('no ACL yet: empty AclIds everywhere', async () => {
        assert.deepEqual(await attributeAclIds(ctx.v2, region, a), []);
        const { items } = await listInstances(ctx.pop, region);
        assert.equal(items.length, 2);
        for (const item of items) {
          assert.equal(listedAclIds(item), '', `AclIds of an instance without an ACL: ${JSON.stringify(item)}`);
        }
      });

      await ctx.step('AssociateACL software ACL 1 with A via pop-get', async () => {
        expect.onlyRequestId(await ctx.pop.call('AssociateACL', { RegionId: region, AclId: s1, SmartAGId: a }), 'AssociateACL');
      });

      for (const reader of ctx.clients) {
        await ctx.step(`instance fields and filters via ${reader.name}`, async () => {
          assert.deepEqual(await attributeAclIds(reader, region, a), [s1]);
          assert.deepEqual(await attributeAclIds(reader, region, b), []);
          const all = await listInstances(reader, region);
          assert.equal(listedAclIds(all.items.find((x) => x.SmartAGId === a)), s1);
          assert.equal(listedAclIds(all.items.find((x) => x.SmartAGId === b)), '');
          const bound = await listInstances(reader, region, { AclIds: s1 });
          assert.deepEqual(bound.items.map((x) => x.SmartAGId), [a], `AclIds filter: ${JSON.stringify(bound.body)}`);
          assert.equal(bound.body.TotalCount, 1);
          const unbound = await listInstances(reader, region, { UnboundAclIds: s1 });
          assert.deepEqual(unbound.items.map((x) => x.SmartAGId), [b], `UnboundAclIds filter: ${JSON.stringify(unbound.body)}`);
          const unboundBoth = await listInstances(reader, region, { UnboundAclIds: `${s1},${s2}` });
          assert.deepEqual(unboundBoth.items.map((x) => x.SmartAGId), [b], `UnboundAclIds comma list: ${JSON.stringify(unboundBoth.body)}`);
          const none = await listInstances(reader, region, { AclIds: s2 });
          assert.deepEqual(none.items, []);
          assert.equal(none.body.TotalCount, 0);
          const software = await listInstances(reader, region, { AclIds: s1, InstanceType: 'software' });
          assert.deepEqual(software.items.map((x) => x.SmartAGId), [a]);
          assert.equal(await sagCount(reader, region, s1), '1');
          assert.equal(await sagCount(reader, region, s2), '0');
        });
      }

      for (const client of ctx.clients) {
        await ctx.step(`AssociateACL errors via ${client.name}`, async () => {
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, AclId: s1, SmartAGId: a }), ERR.alreadyAssociated, 'the same pair again');
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, AclId: s2, SmartAGId: a }), ERR.aclPerSmartagAmountLimit, 'a second ACL');
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, AclId: hw, SmartAGId: b }), ERR.softwareNotSupport, 'an acl-hardware ACL');
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, AclId: s2, SmartAGId: `sag-${fx.randomToken(20)}` }), ERR.invalidSmartAg, 'an unknown instance');
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, AclId: acl.unknownAclId(), SmartAGId: b }), ERR.invalidAcl, 'an unknown ACL');
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, AclId: s2 }), ERR.missing, 'no SmartAGId');
          expect.apiError(await client.fail('AssociateACL', { RegionId: region, SmartAGId: b }), ERR.missing, 'no AclId');
          expect.apiError(await client.fail('AssociateACL', { RegionId: fx.uniqueRegion(), AclId: s2, SmartAGId: b }), ERR.invalidAcl, 'from another region');
        });
      }

      await ctx.step('AssociateACL software ACL 1 with B via pop-post: SagCount 2', async () => {
        expect.onlyRequestId(await ctx.popPost.call('AssociateACL', { RegionId: region, AclId: s1, SmartAGId: b }), 'AssociateACL');
        assert.equal(await sagCount(ctx.v3, region, s1), '2');
        const bound = await listInstances(ctx.v2, region, { AclIds: s1 });
        assert.deepEqual(bound.items.map((x) => x.SmartAGId).sort(), [a, b].sort());
      });

      await ctx.step('DisassociateACL A via openapi-v3', async () => {
        expect.onlyRequestId(await ctx.v3.call('DisassociateACL', { RegionId: region, AclId: s1, SmartAGId: a }), 'DisassociateACL');
        assert.deepEqual(await attributeAclIds(ctx.pop, region, a), []);
        assert.equal(await sagCount(ctx.pop, region, s1), '1');
      });

      for (const client of ctx.clients) {
        await ctx.step(`DisassociateACL errors via ${client.name}`, async () => {
          expect.apiError(await client.fail('DisassociateACL', { RegionId: region, AclId: s1, SmartAGId: a }), ERR.notAssociated, 'not associated any more');
          expect.apiError(await client.fail('DisassociateACL', { RegionId: region, AclId: s2, SmartAGId: b }), ERR.notAssociated, 'associated with another ACL');
          expect.apiError(await client.fail('DisassociateACL', { RegionId: region, AclId: s1, SmartAGId: `sag-${fx.randomToken(20)}` }), ERR.invalidSmartAg, 'an unknown instance');
          expect.apiError(await client.fail('DisassociateACL', { RegionId: region, AclId: acl.unknownAclId(), SmartAGId: b }), ERR.invalidAcl, 'an unknown ACL');
          expect.apiError(await client.fail('DisassociateACL', { RegionId: region, AclId: s1 }), ERR.missing, 'no SmartAGId');
        });
      }

      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`AssociateACL and DisassociateACL round trip via ${client.name}`, async () => {
          const reader = ctx.clients[(i + 1) % ctx.clients.length];
          expect.onlyRequestId(await client.call('AssociateACL', { RegionId: region, AclId: s2, SmartAGId: a }), 'AssociateACL');
          assert.deepEqual(await attributeAclIds(reader, region, a), [s2]);
          expect.onlyRequestId(await client.call('DisassociateACL', { RegionId: region, AclId: s2, SmartAGId: a }), 'DisassociateACL');
          assert.deepEqual(await attributeAclIds(reader, region, a), []);
        });
      }

      await ctx.step('AssociateACL, the attribute and DisassociateACL in XML', async () => {
        const params = { RegionId: region, AclId: s2, SmartAGId: a };
        wire.xmlSuccess(await raw.signedRequest(ctx.env, 'AssociateACL', params, { common: { Format: 'XML' } }), 'AssociateACL', 'AssociateACL XML');
        const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: a }, { common: { Format: 'XML' } });
        const body = wire.xmlSuccess(res, 'DescribeSmartAccessGatewayAttribute', 'attribute XML');
        const lists = wire.xmlBlocks(body, 'AclIds');
        assert.equal(lists.length, 1, `one <AclIds> wrapper in ${res.body}`);
        assert.deepEqual(wire.xmlBlocks(lists[0], 'AclId'), [s2], `<AclIds><AclId>… in ${res.body}`);
        const again = await raw.signedRequest(ctx.env, 'AssociateACL', params, { method: 'POST', common: { Format: 'XML' } });
        assert.equal(wire.xmlText(wire.assertXmlError(again, ERR.alreadyAssociated.code, ERR.alreadyAssociated.status, 'AssociateACL again XML'), 'Message'), ERR.alreadyAssociated.message);
        wire.xmlSuccess(await raw.signedRequest(ctx.env, 'DisassociateACL', params, { common: { Format: 'XML' } }), 'DisassociateACL', 'DisassociateACL XML');
      });

      await ctx.step('A takes software ACL 2 via openapi-v2 once free', async () => {
        expect.onlyRequestId(await ctx.v2.call('AssociateACL', { RegionId: region, AclId: s2, SmartAGId: a }), 'AssociateACL');
        assert.deepEqual(await attributeAclIds(ctx.popPost, region, a), [s2]);
        assert.equal(await sagCount(ctx.popPost, region, s2), '1');
      });

      await ctx.step('DeleteACL of an associated ACL disassociates its instance', async () => {
        expect.onlyRequestId(await ctx.popPost.call('DeleteACL', { RegionId: region, AclId: s1 }), 'DeleteACL');
        assert.deepEqual(await attributeAclIds(ctx.v3, region, b), []);
        const { items } = await listInstances(ctx.pop, region, { UnboundAclIds: s2 });
        assert.deepEqual(items.map((x) => x.SmartAGId), [b]);
        // The instance is free again: another ACL can be associated.
        expect.onlyRequestId(await ctx.pop.call('AssociateACL', { RegionId: region, AclId: s2, SmartAGId: b }), 'AssociateACL');
        assert.equal(await sagCount(ctx.v2, region, s2), '2');
      });

      await ctx.step('DeleteACL with rules and two instances', async () => {
        await acl.addRule(ctx.v3, region, s2);
        expect.onlyRequestId(await ctx.v2.call('DeleteACL', { RegionId: region, AclId: s2 }), 'DeleteACL');
        assert.deepEqual(await attributeAclIds(ctx.pop, region, a), []);
        assert.deepEqual(await attributeAclIds(ctx.pop, region, b), []);
        expect.apiError(await ctx.v3.fail('DescribeACLAttribute', { RegionId: region, AclId: s2 }), ERR.invalidAcl, 'rules went with the ACL');
      });
    });
  },
};
