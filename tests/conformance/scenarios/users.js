'use strict';

// Client users of a SAG App instance (spec/smartag-api.md §1.1–§1.7, §1.15; DESIGN.md §3).

const assert = require('node:assert/strict');

const expect = require('../lib/expect');
const fx = require('../lib/fixtures');

/** The documented field types of Users.User[] (§1.2). */
function assertUserShape(user, where) {
  const ctx = `${where}: ${JSON.stringify(user)}`;
  expect.type(user.UserName, 'string', ctx);
  expect.type(user.UserMail, 'string', ctx);
  expect.type(user.Bandwidth, 'number', ctx);
  expect.type(user.State, 'number', ctx);
  expect.type(user.AccelerateBandwidth, 'number', ctx);
  expect.type(user.IsStaticIp, 'number', ctx);
  if ('ClientIp' in user) {
    expect.type(user.ClientIp, 'string', ctx);
  }
}

module.exports = {
  async 'user-create-requires-cidr'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance without CidrBlock', () => fx.createInstance(ctx.pop, region));
    for (const client of ctx.clients) {
      await ctx.step(`create user without CIDR via ${client.name}`, async () => {
        const err = await client.fail('CreateSmartAccessGatewayClientUser', {
          RegionId: region,
          SmartAGId: id,
          UserName: fx.uniqueUserName(),
          Password: fx.PASSWORD,
          UserMail: 'nobody@example.com',
          Bandwidth: 1000,
        });
        expect.apiError(err, { code: 'SAG.CidrEmpty', status: 400, message: 'You must specify the CIDR blocks of SAG.' });
      });
    }
    await ctx.step('set the CIDR, then creating works', async () => {
      await fx.setCidr(ctx.v3, region, id, '10.30.0.0/24');
      await fx.createUser(ctx.v2, region, id);
    });
  },

  async 'user-create-and-describe'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.40.0.0/24' }));
    const made = [];
    for (const [i, client] of ctx.clients.entries()) {
      await ctx.step(`create a user via ${client.name}`, async () => {
        const bandwidth = 1000 + i;
        const { body, userName, mail } = await fx.createUser(client, region, id, { bandwidth });
        assert.equal(body.UserName, userName, `UserName in ${JSON.stringify(body)}`);
        assert.equal(body.UserMail, mail, `UserMail in ${JSON.stringify(body)}`);
        assert.equal(body.Bandwidth, bandwidth, `Bandwidth (Integer) in ${JSON.stringify(body)}`);
        made.push({ userName, mail, bandwidth });
      });
    }
    for (const client of ctx.clients) {
      await ctx.step(`a user name with . - _ @ and a mail with + via ${client.name}`, async () => {
        // '@' and '+' must survive each client's encoding (a '+' read as a space is the classic bug).
        const userName = `J.Doe-x_${fx.randomToken(4)}@corp`;
        const mail = `j.doe+${fx.randomToken(4)}@example.com`;
        const { body } = await fx.createUser(client, region, id, { userName, mail, bandwidth: 1 });
        assert.equal(body.UserName, userName);
        assert.equal(body.UserMail, mail);
        made.push({ userName, mail, bandwidth: 1 });
      });
    }
    const staticUser = await ctx.step('create a user with a static ClientIp', async () => {
      const { body, userName, mail } = await fx.createUser(ctx.popPost, region, id, { clientIp: '10.40.0.77', bandwidth: 20000 });
      assert.equal(body.ClientIp, '10.40.0.77', `ClientIp in ${JSON.stringify(body)}`);
      return { userName, mail };
    });

    for (const client of ctx.clients) {
      await ctx.step(`list via ${client.name}`, async () => {
        const { body, users } = await fx.listUsers(client, region, id);
        assert.equal(body.TotalCount, made.length + 1, `TotalCount in ${JSON.stringify(body)}`);
        assert.equal(users.length, made.length + 1);
        for (const user of users) {
          assertUserShape(user, 'Users.User[]');
        }
        for (const m of made) {
          const user = users.find((u) => u.UserName === m.userName);
          assert.ok(user, `${m.userName} missing from ${JSON.stringify(users)}`);
          assert.equal(user.UserMail, m.mail);
          assert.equal(user.Bandwidth, m.bandwidth);
          assert.equal(user.State, 0, 'a new user is enabled (State 0)');
          assert.equal(user.IsStaticIp, 0, 'no ClientIp given: not static');
        }
        const s = users.find((u) => u.UserName === staticUser.userName);
        assert.ok(s, `${staticUser.userName} missing from ${JSON.stringify(users)}`);
        assert.equal(s.ClientIp, '10.40.0.77');
        assert.equal(s.IsStaticIp, 1, `IsStaticIp of a user with a fixed ClientIp: ${JSON.stringify(s)}`);
        assert.equal(s.Bandwidth, 20000);
      });
    }
  },

  async 'user-create-errors'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance with UserCount 2', () => fx.createReadyInstance(ctx.v3, region, { userCount: 2, cidr: '10.50.0.0/24' }));
    const first = await ctx.step('first user', () => fx.createUser(ctx.pop, region, id));

    for (const client of ctx.clients) {
      await ctx.step(`duplicate UserName via ${client.name}`, async () => {
        const err = await client.fail('CreateSmartAccessGatewayClientUser', {
          RegionId: region,
          SmartAGId: id,
          UserName: first.userName,
          Password: fx.PASSWORD,
          UserMail: 'other@example.com',
          Bandwidth: 1000,
        });
        expect.apiError(err, { code: 'ClientUser.UserExist', status: 400, message: 'The specified user already exists.' });
      });
      await ctx.step(`static ClientIp outside the CIDR via ${client.name}`, async () => {
        const err = await client.fail('CreateSmartAccessGatewayClientUser', {
          RegionId: region,
          SmartAGId: id,
          UserName: fx.uniqueUserName(),
          Password: fx.PASSWORD,
          UserMail: 'outside@example.com',
          Bandwidth: 1000,
          ClientIp: '10.60.0.5',
        });
        expect.apiError(err, { code: 'ClientUser.InvalidClientIp', status: 400, message: 'The specified ClientIp is invalid.' });
      });
    }

    await ctx.step('second user fills the instance', () => fx.createUser(ctx.v2, region, id));
    for (const client of ctx.clients) {
      await ctx.step(`third user over UserCount via ${client.name}`, async () => {
        const err = await client.fail('CreateSmartAccessGatewayClientUser', {
          RegionId: region,
          SmartAGId: id,
          UserName: fx.uniqueUserName(),
          Password: fx.PASSWORD,
          UserMail: 'third@example.com',
          Bandwidth: 1000,
        });
        expect.apiError(err, { code: 'ClientUser.UserOverLimit', status: 400, message: 'The maximum number of users is exceeded.' });
      });
    }
    await ctx.step('failed creations left exactly two users', async () => {
      const { body } = await fx.listUsers(ctx.popPost, region, id);
      assert.equal(body.TotalCount, 2, `TotalCount in ${JSON.stringify(body)}`);
    });
  },

  async 'user-list-paging-and-filters'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.70.0.0/24' }));
    const names = [];
    for (let i = 0; i < 5; i++) {
      await ctx.step(`create user #${i + 1}`, async () => {
        const { userName } = await fx.createUser(ctx.clients[i % ctx.clients.length], region, id, { mail: `person${i}.${fx.randomToken(6)}@example.com` });
        names.push(userName);
      });
    }

    for (const client of ctx.clients) {
      await ctx.step(`defaults via ${client.name}`, async () => {
        const body = expect.success(await client.call('DescribeSmartAccessGatewayClientUsers', { RegionId: region, SmartAGId: id }), 'list');
        const users = expect.wrappedList(body, 'Users', 'User', 'list');
        assert.equal(body.TotalCount, 5, `TotalCount in ${JSON.stringify(body)}`);
        assert.equal(body.PageNumber, 1, `default PageNumber in ${JSON.stringify(body)}`);
        assert.equal(body.PageSize, 10, `default PageSize in ${JSON.stringify(body)}`);
        assert.deepEqual(users.map((u) => u.UserName).sort(), [...names].sort());
      });
      await ctx.step(`pages of 2 via ${client.name}`, async () => {
        const seen = [];
        for (const [page, expected] of [[1, 2], [2, 2], [3, 1], [4, 0]]) {
          const { body, users } = await fx.listUsers(client, region, id, { PageSize: 2, PageNumber: page });
          assert.equal(body.TotalCount, 5, `page ${page} TotalCount in ${JSON.stringify(body)}`);
          assert.equal(body.PageNumber, page, `page ${page} PageNumber in ${JSON.stringify(body)}`);
          assert.equal(body.PageSize, 2, `page ${page} PageSize in ${JSON.stringify(body)}`);
          assert.equal(users.length, expected, `page ${page} length in ${JSON.stringify(body)}`);
          seen.push(...users.map((u) => u.UserName));
        }
        assert.deepEqual(seen.sort(), [...names].sort(), 'pages must partition the users');
      });
    }

    const mailOf = {};
    await ctx.step('read the mails', async () => {
      const { users } = await fx.listUsers(ctx.v3, region, id);
      for (const u of users) {
        mailOf[u.UserName] = u.UserMail;
      }
    });
    for (const client of ctx.clients) {
      await ctx.step(`filter by UserName via ${client.name}`, async () => {
        const { body, users } = await fx.listUsers(client, region, id, { UserName: names[2] });
        assert.equal(body.TotalCount, 1, `TotalCount in ${JSON.stringify(body)}`);
        assert.deepEqual(users.map((u) => u.UserName), [names[2]]);
      });
      await ctx.step(`filter by UserMail via ${client.name}`, async () => {
        const { body, users } = await fx.listUsers(client, region, id, { UserMail: mailOf[names[3]] });
        assert.equal(body.TotalCount, 1, `TotalCount in ${JSON.stringify(body)}`);
        assert.deepEqual(users.map((u) => u.UserName), [names[3]]);
      });
      await ctx.step(`filter without a match via ${client.name}`, async () => {
        const { body, users } = await fx.listUsers(client, region, id, { UserName: 'nobody-by-that-name' });
        assert.equal(body.TotalCount, 0);
        assert.deepEqual(users, []);
      });
    }
  },

  async 'user-modify'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.v2, region, { cidr: '10.80.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.pop, region, id, { bandwidth: 2000 }));

    for (const [i, client] of ctx.clients.entries()) {
      await ctx.step(`modify Email and Bandwidth via ${client.name}`, async () => {
        const mail = `changed${i}.${fx.randomToken(4)}@example.org`;
        const bandwidth = 3000 + i;
        const body = expect.success(
          await client.call('ModifySmartAccessGatewayClientUser', { RegionId: region, SmartAGId: id, UserName: userName, Email: mail, Bandwidth: bandwidth }),
          'ModifySmartAccessGatewayClientUser',
        );
        // The request says Email; the response says UserMail (§1.0 casing traps).
        assert.equal(body.UserName, userName, `UserName in ${JSON.stringify(body)}`);
        assert.equal(body.UserMail, mail, `UserMail in ${JSON.stringify(body)}`);
        assert.equal(body.Bandwidth, bandwidth, `Bandwidth in ${JSON.stringify(body)}`);
        const user = await fx.findUser(ctx.clients[(i + 1) % ctx.clients.length], region, id, userName);
        assert.ok(user, `${userName} not listed`);
        assert.equal(user.UserMail, mail);
        assert.equal(user.Bandwidth, bandwidth);
      });
    }

    await ctx.step('modify only Bandwidth keeps the mail', async () => {
      const before = await fx.findUser(ctx.pop, region, id, userName);
      expect.success(await ctx.v3.call('ModifySmartAccessGatewayClientUser', { RegionId: region, SmartAGId: id, UserName: userName, Bandwidth: 500 }), 'modify');
      const after = await fx.findUser(ctx.pop, region, id, userName);
      assert.equal(after.Bandwidth, 500);
      assert.equal(after.UserMail, before.UserMail);
    });
  },

  async 'user-reset-password'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.90.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.pop, region, id));
    for (const client of ctx.clients) {
      await ctx.step(`reset to a given password via ${client.name}`, async () => {
        expect.onlyRequestId(
          await client.call('ResetSmartAccessGatewayClientUserPassword', { RegionId: region, SmartAGId: id, UserName: userName, Password: `New-${fx.randomToken(10)}` }),
          'ResetSmartAccessGatewayClientUserPassword',
        );
      });
    }
    for (const client of [ctx.pop, ctx.v3]) {
      await ctx.step(`reset without a password via ${client.name}`, async () => {
        // The cloud would e-mail a generated password (§1.4); OpenSAG sends no e-mail, so it requires one
        // (README "Users"), with the gateway's Missing{Parameter} error (§4.3).
        const err = await client.fail('ResetSmartAccessGatewayClientUserPassword', { RegionId: region, SmartAGId: id, UserName: userName });
        expect.apiError(err, { code: 'MissingPassword', status: 400, message: 'Password is mandatory for this action.' });
      });
    }
    await ctx.step('the user is otherwise unchanged', async () => {
      const user = await fx.findUser(ctx.v2, region, id, userName);
      assert.ok(user);
      assert.equal(user.State, 0);
    });
  },

  async 'user-delete'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.v3, region, { cidr: '10.91.0.0/24' }));
    const users = [];
    for (const client of ctx.clients) {
      users.push((await ctx.step(`create user via ${client.name}`, () => fx.createUser(client, region, id))).userName);
    }
    for (const [i, client] of ctx.clients.entries()) {
      await ctx.step(`delete ${users[i]} via ${client.name}`, async () => {
        expect.onlyRequestId(
          await client.call('DeleteSmartAccessGatewayClientUser', { RegionId: region, SmartAGId: id, UserName: users[i] }),
          'DeleteSmartAccessGatewayClientUser',
        );
        const { body, users: listed } = await fx.listUsers(ctx.clients[(i + 1) % ctx.clients.length], region, id);
        assert.equal(body.TotalCount, users.length - i - 1, `TotalCount in ${JSON.stringify(body)}`);
        assert.ok(!listed.some((u) => u.UserName === users[i]), `${users[i]} still listed`);
      });
    }
    await ctx.step('the name can be used again after deletion', async () => {
      await fx.createUser(ctx.pop, region, id, { userName: users[0] });
      assert.ok(await fx.findUser(ctx.pop, region, id, users[0]));
    });
  },

  async 'user-enable-disable'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.popPost, region, { cidr: '10.92.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.popPost, region, id));
    const other = await ctx.step('create a bystander', () => fx.createUser(ctx.popPost, region, id));
    for (const [i, client] of ctx.clients.entries()) {
      const reader = ctx.clients[(i + 2) % ctx.clients.length];
      await ctx.step(`disable via ${client.name}`, async () => {
        expect.onlyRequestId(await client.call('DisableSmartAccessGatewayUser', { RegionId: region, SmartAGId: id, UserName: userName }), 'DisableSmartAccessGatewayUser');
        const user = await fx.findUser(reader, region, id, userName);
        assert.equal(user.State, 1, `State after disable: ${JSON.stringify(user)}`);
        assert.equal((await fx.findUser(reader, region, id, other.userName)).State, 0, 'the bystander stays enabled');
      });
      await ctx.step(`enable via ${client.name}`, async () => {
        expect.onlyRequestId(await client.call('EnableSmartAccessGatewayUser', { RegionId: region, SmartAGId: id, UserName: userName }), 'EnableSmartAccessGatewayUser');
        const user = await fx.findUser(reader, region, id, userName);
        assert.equal(user.State, 0, `State after enable: ${JSON.stringify(user)}`);
      });
    }
  },

  async 'user-roam'(ctx) {
    const region = fx.uniqueRegion();
    const otherRegion = fx.uniqueRegion();
    const source = await ctx.step('create source instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.93.0.0/24' }));
    const sameRegionTarget = await ctx.step('create target in the same region', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.94.0.0/24' }));
    const crossRegionTarget = await ctx.step('create target in another region', () => fx.createReadyInstance(ctx.pop, otherRegion, { cidr: '10.95.0.0/24' }));

    const cases = [
      { client: ctx.pop, target: sameRegionTarget, targetRegion: region },
      { client: ctx.popPost, target: crossRegionTarget, targetRegion: otherRegion },
      { client: ctx.v3, target: sameRegionTarget, targetRegion: region },
      { client: ctx.v2, target: crossRegionTarget, targetRegion: otherRegion },
    ];
    for (const c of cases) {
      await ctx.step(`roam to ${c.targetRegion === region ? 'same' : 'other'} region via ${c.client.name}`, async () => {
        const { userName, mail } = await fx.createUser(ctx.v3, region, source, { bandwidth: 1234 });
        expect.success(
          await c.client.call('RoamClientUser', {
            RegionId: c.targetRegion,
            OriginRegionId: region,
            OriginSmartAGId: source,
            TargetSmartAGId: c.target,
            UserName: userName,
          }),
          'RoamClientUser',
        );
        const moved = await fx.findUser(ctx.pop, c.targetRegion, c.target, userName);
        assert.ok(moved, `${userName} is not on the target instance ${c.target}`);
        assert.equal(moved.UserMail, mail);
        assert.equal(moved.Bandwidth, 1234);
        const left = await fx.findUser(ctx.v2, region, source, userName);
        assert.equal(left, undefined, `${userName} is still on the source instance: ${JSON.stringify(left)}`);
      });
    }
  },
};
