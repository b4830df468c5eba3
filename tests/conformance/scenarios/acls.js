'use strict';

// ACLs themselves: CreateACL, DescribeACLs, ModifyACL, DeleteACL, their errors and the per-store limit, and the
// ACL actions in XML (spec/smartag-acl-and-more.md §1.0, §1.3–§1.6, §1.16; acl12 decisions).

const assert = require('node:assert/strict');

const acl = require('../lib/acl');
const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const raw = require('../lib/raw');
const wire = require('../lib/wire');

const { ERR } = acl;

// The ACL limit per store (spec §1.1: 10 per account). Bounds the limit scenario's loop.
const ACL_LIMIT = 10;

module.exports = {
  async 'acl-create-describe-modify-delete'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      // One ACL per client, covering AclType omitted/software/hardware and ResourceGroupId (S12, Terraform's SDK).
      const variants = [
        { name: 'Office_acl.1-a', aclType: undefined, resourceGroupId: undefined },
        { name: '中文访问控制-2', aclType: 'acl-software', resourceGroupId: 'rg-acfm2iu4fnc0001' },
        { name: 'Branch.acl_3', aclType: 'acl-hardware', resourceGroupId: undefined },
        { name: 'app-acl-4', aclType: 'acl-software', resourceGroupId: 'rg-acfm2iu4fnc0002' },
      ];
      const made = [];
      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`CreateACL via ${client.name}`, async () => {
          const created = await acl.createAcl(client, region, variants[i]);
          track(region, created.id);
          made.push(created);
        });
      }
      assert.equal(new Set(made.map((m) => m.id)).size, made.length, `AclIds must be distinct: ${JSON.stringify(made)}`);

      for (const reader of ctx.clients) {
        await ctx.step(`DescribeACLs defaults via ${reader.name}`, async () => {
          const { body, acls } = await acl.describeAcls(reader, region);
          assert.equal(body.TotalCount, made.length, `TotalCount in ${JSON.stringify(body)}`);
          assert.equal(body.PageNumber, 1, `default PageNumber in ${JSON.stringify(body)}`);
          assert.equal(body.PageSize, 10, `default PageSize in ${JSON.stringify(body)}`);
          assert.equal(acls.length, made.length);
          for (const m of made) {
            const listed = acls.find((a) => a.AclId === m.id);
            assert.ok(listed, `${m.id} missing from ${JSON.stringify(acls)}`);
            acl.assertAcl(listed, { Name: m.name, AclType: m.aclType, ResourceGroupId: m.resourceGroupId, SagCount: '0' }, 'Acls.Acl[]');
          }
        });
      }

      for (const client of ctx.clients) {
        await ctx.step(`AclIds filter (comma list) via ${client.name}`, async () => {
          const { body, acls } = await acl.describeAcls(client, region, { AclIds: `${made[0].id},${made[2].id}` });
          assert.equal(body.TotalCount, 2, `TotalCount in ${JSON.stringify(body)}`);
          assert.deepEqual(acls.map((a) => a.AclId).sort(), [made[0].id, made[2].id].sort());
        });
        await ctx.step(`AclIds naming an unknown ACL answers an empty list via ${client.name}`, async () => {
          // Terraform's read-back treats an empty Acls.Acl as "gone" (§1.15): 200, never an error.
          const { body, acls } = await acl.describeAcls(client, region, { AclIds: acl.unknownAclId() });
          assert.equal(body.TotalCount, 0, `TotalCount in ${JSON.stringify(body)}`);
          assert.deepEqual(acls, []);
          const mixed = await acl.describeAcls(client, region, { AclIds: `${acl.unknownAclId()},${made[1].id}` });
          assert.deepEqual(mixed.acls.map((a) => a.AclId), [made[1].id]);
        });
        await ctx.step(`Name filter is exact via ${client.name}`, async () => {
          const { acls } = await acl.describeAcls(client, region, { Name: made[1].name });
          assert.deepEqual(acls.map((a) => a.AclId), [made[1].id]);
          const part = await acl.describeAcls(client, region, { Name: made[1].name.slice(0, 4) });
          assert.deepEqual(part.acls, [], `a part of a name matches nothing: ${JSON.stringify(part.body)}`);
        });
        await ctx.step(`AclType and ResourceGroupId filters via ${client.name}`, async () => {
          const software = await acl.describeAcls(client, region, { AclType: 'acl-software' });
          assert.deepEqual(software.acls.map((a) => a.AclId).sort(), [made[1].id, made[3].id].sort());
          const hardware = await acl.describeAcls(client, region, { AclType: 'acl-hardware' });
          assert.deepEqual(hardware.acls.map((a) => a.AclId).sort(), [made[0].id, made[2].id].sort());
          const group = await acl.describeAcls(client, region, { ResourceGroupId: 'rg-acfm2iu4fnc0002' });
          assert.deepEqual(group.acls.map((a) => a.AclId), [made[3].id]);
        });
      }

      await ctx.step('pages of 3', async () => {
        const seen = [];
        for (const [page, expected] of [[1, 3], [2, 1], [3, 0]]) {
          const { body, acls } = await acl.describeAcls(ctx.clients[page % ctx.clients.length], region, { PageSize: 3, PageNumber: page });
          assert.equal(body.TotalCount, 4, `page ${page} TotalCount in ${JSON.stringify(body)}`);
          assert.equal(body.PageNumber, page, `page ${page} PageNumber in ${JSON.stringify(body)}`);
          assert.equal(body.PageSize, 3, `page ${page} PageSize in ${JSON.stringify(body)}`);
          assert.equal(acls.length, expected, `page ${page} length in ${JSON.stringify(body)}`);
          seen.push(...acls.map((a) => a.AclId));
        }
        assert.deepEqual(seen.sort(), made.map((m) => m.id).sort(), 'pages must partition the ACLs');
      });

      await ctx.step('an ACL is not visible from another region', async () => {
        const other = fx.uniqueRegion();
        const { body, acls } = await acl.describeAcls(ctx.v2, other, { AclIds: made[0].id });
        assert.equal(body.TotalCount, 0);
        assert.deepEqual(acls, []);
        expect.apiError(await ctx.pop.fail('ModifyACL', { RegionId: other, AclId: made[0].id, Name: 'stolen' }), ERR.invalidAcl);
        expect.apiError(await ctx.v3.fail('DeleteACL', { RegionId: other, AclId: made[0].id }), ERR.invalidAcl);
      });

      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`ModifyACL via ${client.name}`, async () => {
          const name = `renamed_${i}.中-${fx.randomToken(4)}`;
          expect.onlyRequestId(await client.call('ModifyACL', { RegionId: region, AclId: made[i].id, Name: name }), 'ModifyACL');
          const listed = await acl.findAcl(ctx.clients[(i + 1) % ctx.clients.length], region, made[i].id);
          acl.assertAcl(listed, { Name: name, AclType: made[i].aclType, ResourceGroupId: made[i].resourceGroupId }, 'after ModifyACL');
        });
      }

      for (const [i, client] of ctx.clients.entries()) {
        await ctx.step(`DeleteACL via ${client.name}`, async () => {
          expect.onlyRequestId(await client.call('DeleteACL', { RegionId: region, AclId: made[i].id }), 'DeleteACL');
          const { body } = await acl.describeAcls(ctx.clients[(i + 2) % ctx.clients.length], region);
          assert.equal(body.TotalCount, made.length - i - 1, `TotalCount after deleting ${i + 1}: ${JSON.stringify(body)}`);
          assert.equal(await acl.findAcl(ctx.pop, region, made[i].id), undefined, `${made[i].id} still listed`);
        });
      }
    });
  },

  async 'acl-errors'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const existing = await ctx.step('create an ACL', async () => track(region, (await acl.createAcl(ctx.pop, region, { aclType: 'acl-software' })).id));

      for (const client of ctx.clients) {
        await ctx.step(`CreateACL without Name via ${client.name}`, async () => {
          expect.apiError(await client.fail('CreateACL', { RegionId: region }), ERR.missing);
        });
        await ctx.step(`CreateACL with an unknown AclType via ${client.name}`, async () => {
          expect.apiError(await client.fail('CreateACL', { RegionId: region, Name: 'typed', AclType: 'acl-cloud' }), ERR.invalidParameter);
        });
        await ctx.step(`ModifyACL / DeleteACL of an unknown ACL via ${client.name}`, async () => {
          expect.apiError(await client.fail('ModifyACL', { RegionId: region, AclId: acl.unknownAclId(), Name: 'whatever' }), ERR.invalidAcl);
          expect.apiError(await client.fail('DeleteACL', { RegionId: region, AclId: acl.unknownAclId() }), ERR.invalidAcl);
        });
        await ctx.step(`ModifyACL / DeleteACL without AclId, ModifyACL without Name via ${client.name}`, async () => {
          expect.apiError(await client.fail('ModifyACL', { RegionId: region, Name: 'whatever' }), ERR.missing);
          expect.apiError(await client.fail('ModifyACL', { RegionId: region, AclId: existing }), ERR.missing);
          expect.apiError(await client.fail('DeleteACL', { RegionId: region }), ERR.missing);
        });
      }

      // Names: 2–128 characters, first a letter or a Chinese character, then letters, digits, Chinese, . _ -.
      const badNames = ['a', '1acl', '_acl', '.acl', '-acl', 'acl name', 'acl/name', 'acl@corp', 'http://acl', `a${'b'.repeat(128)}`];
      for (const [i, name] of badNames.entries()) {
        const client = ctx.clients[i % ctx.clients.length];
        await ctx.step(`CreateACL and ModifyACL Name ${JSON.stringify(name.length > 20 ? name.slice(0, 20) + '…' : name)} via ${client.name}`, async () => {
          expect.apiError(await client.fail('CreateACL', { RegionId: region, Name: name }), ERR.invalidName);
          expect.apiError(await client.fail('ModifyACL', { RegionId: region, AclId: existing, Name: name }), ERR.invalidName);
        });
      }

      await ctx.step('names at the edges are accepted', async () => {
        for (const [i, name] of ['ab', '中文', `a${'b'.repeat(127)}`, 'Ab.c_d-9'].entries()) {
          const client = ctx.clients[i % ctx.clients.length];
          const created = await acl.createAcl(client, region, { name, aclType: 'acl-software' });
          track(region, created.id);
          assert.equal((await acl.findAcl(ctx.v2, region, created.id)).Name, name);
          expect.onlyRequestId(await ctx.pop.call('DeleteACL', { RegionId: region, AclId: created.id }), 'DeleteACL');
        }
      });

      for (const client of ctx.clients) {
        await ctx.step(`DescribeACLs PageSize above 50 via ${client.name}`, async () => {
          expect.apiError(await client.fail('DescribeACLs', { RegionId: region, PageSize: 51 }), ERR.invalidParameter);
          const { body } = await acl.describeAcls(client, region, { PageSize: 50 });
          assert.equal(body.PageSize, 50);
        });
      }

      await ctx.step('failed calls wrote nothing', async () => {
        const { body, acls } = await acl.describeAcls(ctx.v3, region);
        assert.equal(body.TotalCount, 1, `TotalCount in ${JSON.stringify(body)}`);
        assert.equal(acls[0].AclId, existing);
        assert.match(acls[0].Name, /^acl_/, 'the failed ModifyACL calls left the name alone');
      });
    });
  },

  async 'acl-amount-limit'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      // The limit counts every ACL of the store (all regions). Scenarios delete their ACLs, so this one normally
      // starts from none; it fills whatever room is left, bounded by the limit itself.
      let created = 0;
      let refusal;
      await ctx.step('create ACLs until the store is full', async () => {
        for (let i = 0; i <= ACL_LIMIT && refusal === undefined; i++) {
          const client = ctx.clients[i % ctx.clients.length];
          try {
            track(region, (await acl.createAcl(client, region, { name: `limit_${i}`, aclType: 'acl-software' })).id);
            created++;
          } catch (err) {
            if (!/AclAmountLimit/.test(String(err && err.message))) {
              throw err;
            }
            refusal = await client.fail('CreateACL', { RegionId: region, Name: `limit_${i}`, AclType: 'acl-software' });
          }
        }
        assert.ok(refusal, `${ACL_LIMIT + 1} ACLs were created; the limit is ${ACL_LIMIT}`);
        assert.ok(created >= 1, 'no ACL could be created at all: another scenario left ACLs behind');
        expect.apiError(refusal, ERR.aclAmountLimit);
      });
      for (const client of ctx.clients) {
        await ctx.step(`a full store refuses via ${client.name}`, async () => {
          expect.apiError(await client.fail('CreateACL', { RegionId: fx.uniqueRegion(), Name: 'one_more' }), ERR.aclAmountLimit);
        });
      }
      await ctx.step('deleting one makes room for one', async () => {
        const { acls } = await acl.describeAcls(ctx.pop, region, { PageSize: 50 });
        assert.equal(acls.length, created);
        expect.onlyRequestId(await ctx.v2.call('DeleteACL', { RegionId: region, AclId: acls[0].AclId }), 'DeleteACL');
        track(region, (await acl.createAcl(ctx.v3, region, { name: 'room_again', aclType: 'acl-software' })).id);
        expect.apiError(await ctx.popPost.fail('CreateACL', { RegionId: region, Name: 'no_room' }), ERR.aclAmountLimit);
      });
    });
  },

  async 'acl-xml'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const id = await ctx.step('CreateACL in XML', async () => {
        const res = await raw.signedRequest(ctx.env, 'CreateACL', { RegionId: region, Name: 'xml_acl', AclType: 'acl-software' }, { common: { Format: 'XML' } });
        const body = wire.xmlSuccess(res, 'CreateACL', 'CreateACL XML');
        const aclId = wire.xmlText(body, 'AclId');
        assert.match(String(aclId), acl.ACL_ID, `AclId in ${res.body}`);
        track(region, aclId);
        assert.equal(wire.xmlText(body, 'AclType'), 'acl-software');
        return aclId;
      });

      const dpiGroups = ['1', '20'];
      const rule = await ctx.step('AddACLRule in XML (POST)', async () => {
        const res = await raw.signedRequest(
          ctx.env,
          'AddACLRule',
          { RegionId: region, AclId: id, ...acl.BASE_RULE, Name: 'xml_rule', Description: 'a <b> & "c"', DpiGroupIds: dpiGroups },
          { method: 'POST', common: { Format: 'XML' } },
        );
        const body = wire.xmlSuccess(res, 'AddACLRule', 'AddACLRule XML');
        assert.match(String(wire.xmlText(body, 'AcrId')), acl.ACR_ID, `AcrId in ${res.body}`);
        assert.equal(wire.xmlText(body, 'Description'), 'a <b> & "c"', `escaped Description in ${res.body}`);
        assert.equal(wire.xmlText(body, 'SourcePortRange'), '-1/-1');
        assert.match(String(wire.xmlText(body, 'GmtCreate')), /^[0-9]+$/);
        const groups = wire.xmlBlocks(body, 'DpiGroupIds');
        assert.equal(groups.length, 1, `one <DpiGroupIds> wrapper in ${res.body}`);
        assert.deepEqual(wire.xmlBlocks(groups[0], 'DpiGroupId'), dpiGroups, `<DpiGroupIds><DpiGroupId>… in ${res.body}`);
        return wire.xmlText(body, 'AcrId');
      });

      await ctx.step('DescribeACLs in XML', async () => {
        const res = await raw.signedRequest(ctx.env, 'DescribeACLs', { RegionId: region }, { common: { Format: 'XML' } });
        const body = wire.xmlSuccess(res, 'DescribeACLs', 'DescribeACLs XML');
        assert.equal(wire.xmlText(body, 'TotalCount'), '1');
        const lists = wire.xmlBlocks(body, 'Acls');
        assert.equal(lists.length, 1, `one <Acls> wrapper in ${res.body}`);
        const items = wire.xmlBlocks(lists[0], 'Acl');
        assert.equal(items.length, 1, `<Acls><Acl>… in ${res.body}`);
        assert.equal(wire.xmlText(items[0], 'AclId'), id);
        assert.equal(wire.xmlText(items[0], 'SagCount'), '0');
      });

      await ctx.step('DescribeACLAttribute in XML', async () => {
        const res = await raw.signedRequest(ctx.env, 'DescribeACLAttribute', { RegionId: region, AclId: id }, { common: { Format: 'XML' } });
        const body = wire.xmlSuccess(res, 'DescribeACLAttribute', 'DescribeACLAttribute XML');
        const lists = wire.xmlBlocks(body, 'Acrs');
        assert.equal(lists.length, 1, `one <Acrs> wrapper in ${res.body}`);
        const items = wire.xmlBlocks(lists[0], 'Acr');
        assert.equal(items.length, 1, `<Acrs><Acr>… in ${res.body}`);
        assert.equal(wire.xmlText(items[0], 'AcrId'), rule);
        assert.equal(wire.xmlText(items[0], 'Name'), 'xml_rule');
        assert.deepEqual(wire.xmlBlocks(wire.xmlBlocks(items[0], 'DpiGroupIds')[0] ?? '', 'DpiGroupId'), dpiGroups);
      });

      await ctx.step('an ACL error in XML keeps its 403', async () => {
        const res = await raw.signedRequest(ctx.env, 'DeleteACL', { RegionId: region, AclId: acl.unknownAclId() }, { common: { Format: 'XML' } });
        const body = wire.assertXmlError(res, ERR.invalidAcl.code, ERR.invalidAcl.status, 'unknown ACL');
        assert.equal(wire.xmlText(body, 'Message'), ERR.invalidAcl.message);
      });

      await ctx.step('ModifyACL and DeleteACL in XML answer only a RequestId', async () => {
        for (const [action, params] of [['ModifyACL', { Name: 'xml_renamed' }], ['DeleteACL', {}]]) {
          const res = await raw.signedRequest(ctx.env, action, { RegionId: region, AclId: id, ...params }, { common: { Format: 'XML' } });
          const body = wire.xmlSuccess(res, action, `${action} XML`);
          assert.match(body, new RegExp(`^<${action}>\\s*<RequestId>[^<]*</RequestId>\\s*</${action}>\\s*$`), `${action} XML body: ${res.body}`);
        }
      });
    });
  },
};
