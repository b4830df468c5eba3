'use strict';

// Fixtures: every scenario makes its own region, instances and users so scenarios share a server safely.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const expect = require('./expect');

function randomToken(length = 8) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(length);
  let s = '';
  for (const b of bytes) {
    s += alphabet[b % alphabet.length];
  }
  return s;
}

/** A region no other scenario uses, so region-wide lists hold only this scenario's instances. */
function uniqueRegion() {
  return `cn-conf-${randomToken(8)}`;
}

/** A valid, unique user name (7–33 chars: letters, digits, _ @ . -). */
function uniqueUserName(prefix = 'user') {
  return `${prefix}${randomToken(8)}`;
}

const PASSWORD = 'Passw0rd_2024';

async function createInstance(client, region, { userCount = 10 } = {}) {
  const body = expect.success(
    await client.call('CreateSmartAccessGatewaySoftware', {
      RegionId: region,
      ChargeType: 'PREPAY',
      Period: 1,
      UserCount: userCount,
      DataPlan: 5,
      AutoPay: true,
    }),
    `CreateSmartAccessGatewaySoftware via ${client.name}`,
  );
  assert.match(String(body.SmartAGId), expect.SMART_AG_ID, `SmartAGId format in ${JSON.stringify(body)}`);
  assert.equal(typeof body.OrderId, 'string', `OrderId must be a string: ${JSON.stringify(body)}`);
  assert.match(body.OrderId, /^[0-9]+$/, `OrderId must be a decimal string: ${JSON.stringify(body)}`);
  return body.SmartAGId;
}

async function setCidr(client, region, smartAgId, cidr) {
  expect.success(
    await client.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: smartAgId, CidrBlock: cidr }),
    `ModifySmartAccessGateway CidrBlock via ${client.name}`,
  );
}

/** An instance with a client CIDR block, ready for users. */
async function createReadyInstance(client, region, { userCount = 10, cidr = '10.10.0.0/24' } = {}) {
  const id = await createInstance(client, region, { userCount });
  await setCidr(client, region, id, cidr);
  return id;
}

async function createUser(client, region, smartAgId, { userName = uniqueUserName(), mail, bandwidth = 2000, clientIp } = {}) {
  const params = {
    RegionId: region,
    SmartAGId: smartAgId,
    UserName: userName,
    Password: PASSWORD,
    UserMail: mail ?? `${userName}@example.com`,
    Bandwidth: bandwidth,
  };
  if (clientIp !== undefined) {
    params.ClientIp = clientIp;
  }
  const body = expect.success(await client.call('CreateSmartAccessGatewayClientUser', params), `CreateSmartAccessGatewayClientUser via ${client.name}`);
  return { body, userName, mail: params.UserMail };
}

async function listUsers(client, region, smartAgId, extra = {}) {
  const body = expect.success(
    await client.call('DescribeSmartAccessGatewayClientUsers', { RegionId: region, SmartAGId: smartAgId, PageSize: 50, ...extra }),
    `DescribeSmartAccessGatewayClientUsers via ${client.name}`,
  );
  const users = expect.wrappedList(body, 'Users', 'User', `DescribeSmartAccessGatewayClientUsers via ${client.name}`);
  return { body, users };
}

async function findUser(client, region, smartAgId, userName) {
  const { users } = await listUsers(client, region, smartAgId, { UserName: userName });
  return users.find((u) => u.UserName === userName);
}

/**
 * A fresh enterprise code: 5 characters with a letter and a digit among them, mixed case (spec/smartag-acl-and-more.md
 * §2.3). Codes belong to the whole store, so they are random (two scenarios collide 1 in ~10^8).
 */
function newEnterpriseCode() {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz';
  const all = letters + '23456789';
  const pick = (set) => set[crypto.randomInt(set.length)];
  return pick(letters) + pick('23456789') + pick(all) + pick(all) + pick(all);
}

/** The current UTC month as yyyyMM. */
function currentMonth(date = new Date()) {
  return `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

module.exports = {
  randomToken,
  uniqueRegion,
  uniqueUserName,
  PASSWORD,
  createInstance,
  setCidr,
  createReadyInstance,
  createUser,
  listUsers,
  findUser,
  newEnterpriseCode,
  currentMonth,
};
