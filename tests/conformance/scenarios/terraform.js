'use strict';

// Terraform's alicloud provider flows (spec/smartag-acl-and-more.md §1.15), sent as the old Go SDK it uses sends
// them (lib/oldgo.js: POST, every parameter in the query, RegionId always present, an empty SignatureType signed,
// spaces as '+'). Each read is the provider's own read-back and must return every value exactly as written, or
// Terraform would show a diff forever.

const assert = require('node:assert/strict');

const acl = require('../lib/acl');
const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const { goRequest } = require('../lib/oldgo');
const wire = require('../lib/wire');

/** One Go-SDK call that must succeed; the parsed JSON body. */
async function go(ctx, region, action, params) {
  return wire.jsonSuccess(await goRequest(ctx.env, action, params, { regionId: region }), `${action} (old Go SDK)`);
}

module.exports = {
  async 'terraform-acl-flows'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();

      // alicloud_sag_acl: Create sends only Name (RegionId comes from the SDK), so the ACL is acl-hardware.
      const aclId = await ctx.step('alicloud_sag_acl create: CreateACL with Name only', async () => {
        const body = await go(ctx, region, 'CreateACL', { Name: 'tf-testAccSagAcl' });
        assert.match(String(body.AclId), acl.ACL_ID, `AclId in ${JSON.stringify(body)}`);
        return track(region, body.AclId);
      });
      const read = async () => {
        const body = await go(ctx, region, 'DescribeACLs', { RegionId: region, AclIds: aclId });
        return expect.wrappedList(body, 'Acls', 'Acl', 'DescribeACLs (old Go SDK)');
      };
      await ctx.step('alicloud_sag_acl read: DescribeACLs AclIds=<id>', async () => {
        const acls = await read();
        assert.equal(acls.length, 1, JSON.stringify(acls));
        assert.equal(acls[0].AclId, aclId, 'the provider compares Acls.Acl[0].AclId with its id');
        assert.equal(acls[0].Name, 'tf-testAccSagAcl');
        assert.equal(acls[0].AclType, 'acl-hardware');
      });
      await ctx.step('alicloud_sag_acl update: ModifyACL', async () => {
        expect.onlyRequestId(await go(ctx, region, 'ModifyACL', { AclId: aclId, Name: 'tf-testAccSagAclUpdate' }), 'ModifyACL');
        assert.equal((await read())[0].Name, 'tf-testAccSagAclUpdate');
      });

      // alicloud_sag_acl_rule: never sends Type, Name or Dpi lists; Priority only when not 0.
      const written = {
        AclId: aclId,
        Description: 'tf test rule with spaces',
        Policy: 'accept',
        IpProtocol: 'tcp',
        Direction: 'in',
        SourceCidr: '10.10.1.0/24',
        SourcePortRange: '-1/-1',
        DestCidr: '192.168.10.0/24',
        DestPortRange: '-1/-1',
        Priority: 1,
      };
      const acrId = await ctx.step('alicloud_sag_acl_rule create: AddACLRule', async () => {
        const body = await go(ctx, region, 'AddACLRule', written);
        // The resource id is <AclId>:<AcrId>, built from this answer: both must be in it.
        assert.equal(body.AclId, aclId, `AclId in ${JSON.stringify(body)}`);
        assert.match(String(body.AcrId), acl.ACR_ID, `AcrId in ${JSON.stringify(body)}`);
        return body.AcrId;
      });
      const readRule = async () => {
        // Only RegionId and AclId: page 1 with the default PageSize, then a search for the AcrId.
        const body = await go(ctx, region, 'DescribeACLAttribute', { RegionId: region, AclId: aclId });
        return expect.wrappedList(body, 'Acrs', 'Acr', 'DescribeACLAttribute (old Go SDK)').find((r) => r.AcrId === acrId);
      };
      const copiedBack = ['AclId', 'Description', 'Policy', 'IpProtocol', 'Direction', 'SourceCidr', 'SourcePortRange', 'DestCidr', 'DestPortRange', 'Priority'];
      await ctx.step('alicloud_sag_acl_rule read: every copied-back field as written', async () => {
        const rule = await readRule();
        assert.ok(rule, `${acrId} not on page 1`);
        for (const field of copiedBack) {
          assert.equal(rule[field], written[field], `${field} read back: ${JSON.stringify(rule)}`);
        }
      });
      await ctx.step('alicloud_sag_acl_rule update: ModifyACLRule with the changed fields only', async () => {
        expect.success(await go(ctx, region, 'ModifyACLRule', { AclId: aclId, AcrId: acrId, Priority: 2, DestPortRange: '443/443' }), 'ModifyACLRule');
        const rule = await readRule();
        for (const field of copiedBack) {
          const expected = { ...written, Priority: 2, DestPortRange: '443/443' }[field];
          assert.equal(rule[field], expected, `${field} after the update: ${JSON.stringify(rule)}`);
        }
      });
      await ctx.step('alicloud_sag_acl_rule delete: DeleteACLRule, then the read finds nothing', async () => {
        expect.onlyRequestId(await go(ctx, region, 'DeleteACLRule', { AclId: aclId, AcrId: acrId }), 'DeleteACLRule');
        assert.equal(await readRule(), undefined);
      });
      await ctx.step('alicloud_sag_acl delete: DeleteACL, then the read answers 200 with an empty list', async () => {
        expect.onlyRequestId(await go(ctx, region, 'DeleteACL', { AclId: aclId }), 'DeleteACL');
        assert.deepEqual(await read(), []);
      });
    });
  },

  async 'terraform-acl-data-source-and-client-user'(ctx) {
    await acl.withAcls(ctx, async (track) => {
      const region = fx.uniqueRegion();
      const ids = [];
      for (let i = 0; i < 3; i++) {
        ids.push(await ctx.step(`CreateACL #${i + 1}`, async () => track(region, (await go(ctx, region, 'CreateACL', { Name: `tf_data_${i}` })).AclId)));
      }
      await ctx.step('data.alicloud_sag_acls: DescribeACLs pages of 50 until a short page', async () => {
        const seen = [];
        for (let page = 1; page <= 10; page++) {
          const body = await go(ctx, region, 'DescribeACLs', { RegionId: region, PageSize: 50, PageNumber: page });
          const acls = expect.wrappedList(body, 'Acls', 'Acl', 'DescribeACLs (old Go SDK)');
          seen.push(...acls.map((a) => a.AclId));
          if (acls.length < 50) {
            break;
          }
        }
        assert.deepEqual(seen.sort(), [...ids].sort());
      });

      // alicloud_sag_client_user: create, read page 1 of the instance's users, update Bandwidth, delete.
      const sag = await ctx.step('an instance with a CIDR', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.33.0.0/24' }));
      const userName = fx.uniqueUserName('tf');
      await ctx.step('alicloud_sag_client_user create', async () => {
        const body = await go(ctx, region, 'CreateSmartAccessGatewayClientUser', { SmartAGId: sag, UserName: userName, UserMail: `${userName}@example.com`, Bandwidth: 100, Password: fx.PASSWORD });
        assert.equal(body.UserName, userName, 'the resource id is <sag_id>:<UserName> from this answer');
      });
      const readUser = async () => {
        const body = await go(ctx, region, 'DescribeSmartAccessGatewayClientUsers', { RegionId: region, SmartAGId: sag });
        return expect.wrappedList(body, 'Users', 'User', 'DescribeSmartAccessGatewayClientUsers (old Go SDK)').find((u) => u.UserName === userName);
      };
      await ctx.step('alicloud_sag_client_user read and update', async () => {
        assert.equal((await readUser()).Bandwidth, 100);
        expect.success(await go(ctx, region, 'ModifySmartAccessGatewayClientUser', { SmartAGId: sag, UserName: userName, Bandwidth: 200 }), 'ModifySmartAccessGatewayClientUser');
        assert.equal((await readUser()).Bandwidth, 200);
      });
      await ctx.step('alicloud_sag_client_user delete', async () => {
        expect.onlyRequestId(await go(ctx, region, 'DeleteSmartAccessGatewayClientUser', { SmartAGId: sag, UserName: userName }), 'DeleteSmartAccessGatewayClientUser');
        assert.equal(await readUser(), undefined);
      });
    });
  },
};
