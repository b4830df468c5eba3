'use strict';

// ACL helpers shared by the ACL scenarios (spec/smartag-acl-and-more.md §1). Field names and types follow the
// generated Java SDK models (github.com/aliyun/alibabacloud-java-sdk, smartag-20180313 `models/`), named at each
// check; the store holds at most 10 ACLs (acl12 decision, spec §1.1), so every scenario deletes what it made.

const assert = require('node:assert/strict');

const expect = require('./expect');

const ACL_ID = /^acl-[a-z0-9]{18}$/;
const ACR_ID = /^acr-[a-z0-9]{18}$/;

// The ACL error tables (spec §1.16): 403 for everything but the two 400 codes.
const ERR = {
  missing: { code: 'MissingParameter', status: 403, message: 'The input parameter is missing, please check your input.' },
  invalidParameter: { code: 'InvalidParameter', status: 403, message: 'The specified parameter is invalid.' },
  invalidName: { code: 'InvalidName', status: 403, message: 'Name not valid.' },
  invalidDescription: { code: 'InvalidDescription', status: 403, message: 'Description not valid.' },
  invalidAcl: { code: 'InvalidId.ACL', status: 403, message: 'The specified ACL ID is invalid.' },
  invalidAcr: { code: 'InvalidId.ACR', status: 403, message: 'The specified ACL rule ID is invalid.' },
  invalidSmartAg: { code: 'InvalidId.SMARTAG', status: 403, message: 'The specified smart access gateway instance id is invalid.' },
  invalidPortRange: { code: 'InvalidPortRange', status: 403, message: 'The specified port range is invalid.' },
  notSupportedProtocol: { code: 'NotSupportedProtocol', status: 403, message: 'The specified protocol of the ACL rule is not supported.' },
  invalidType: { code: 'ACL.InvalidType', status: 400, message: 'The specified ACL type is invalid.' },
  aclAmountLimit: { code: 'AclAmountLimit', status: 403, message: 'No more ACL can be created. You can open a ticket to increase the quota of ACLs.' },
  acrPerAclAmountLimit: { code: 'AcrPerAclAmountLimit', status: 403, message: 'The maximum number of rules in an ACL is exceeded. You can open a ticket to increase the quota.' },
  aclPerSmartagAmountLimit: { code: 'AclPerSmartagAmountLimit', status: 403, message: 'No more ACL can be associated with this smart access gateway.' },
  alreadyAssociated: { code: 'SmartAGAlreadyAssociateAcl', status: 403, message: 'The specified smart access gateway has already been associated with the specified ACL.' },
  notAssociated: { code: 'SmartAGNotAssociateAcl', status: 403, message: 'The specified smart access gateway is not associated with the specified ACL.' },
  softwareNotSupport: { code: 'SAG.SoftwareNotSupport', status: 400, message: 'The specified SAG software edition instance does not support ACL.' },
};

// A rule every check can start from: the fields AddACLRule requires (spec §1.2), for an SAG App instance whose
// clients live in 10.10.0.0/24.
const BASE_RULE = {
  Direction: 'out',
  Policy: 'drop',
  IpProtocol: 'TCP',
  SourceCidr: '10.10.0.0/24',
  SourcePortRange: '-1/-1',
  DestCidr: '192.168.10.0/24',
  DestPortRange: '80/80',
};

const RULE_STRINGS = ['AclId', 'AcrId', 'Direction', 'Policy', 'IpProtocol', 'SourceCidr', 'SourcePortRange', 'DestCidr', 'DestPortRange'];

function unknownAclId() {
  return `acl-${'0'.repeat(18)}`;
}

function unknownAcrId() {
  return `acr-${'0'.repeat(18)}`;
}

/** A string field that is absent or "" when nothing was set, else exactly the value. */
function optionalString(obj, field, sent, where) {
  if (sent === undefined) {
    if (field in obj) {
      assert.equal(obj[field], '', `${where}: ${field} was never set, so it is absent or "": ${JSON.stringify(obj)}`);
    }
    return;
  }
  assert.equal(obj[field], sent, `${where}: ${field} echoed exactly as sent: ${JSON.stringify(obj)}`);
}

/** A wrapped string list ({"DpiGroupIds":{"DpiGroupId":[…]}}): absent or empty when never set. */
function optionalWrappedStrings(obj, outer, inner, sent, where) {
  if (sent === undefined || sent.length === 0) {
    if (outer in obj) {
      assert.deepEqual(expect.wrappedList(obj, outer, inner, where), [], `${where}: ${outer} was never set: ${JSON.stringify(obj)}`);
    }
    return;
  }
  const items = expect.wrappedList(obj, outer, inner, where);
  assert.deepEqual(expect.plain(items), sent.map(String), `${where}: ${outer}.${inner} echoed in order: ${JSON.stringify(obj)}`);
}

/**
 * A rule as AddACLRule / ModifyACLRule answer it and DescribeACLAttribute lists it, against the fields that
 * were sent (`sent`, with Priority/Type defaults 1/LAN when not sent). Types: AddACLRuleResponseBody,
 * ModifyACLRuleResponseBody, DescribeACLAttributeResponseBodyAcrsAcr — every field String except Priority
 * (Integer) and GmtCreate (Long, ms), DpiGroupIds.DpiGroupId / DpiSignatureIds.DpiSignatureId List<String>.
 * `withType` is false for ModifyACLRule, whose model has no Type (an extra Type is tolerated).
 */
function assertRule(rule, sent, where, { withType = true } = {}) {
  const ctx = `${where}: ${JSON.stringify(rule)}`;
  for (const field of RULE_STRINGS) {
    expect.type(rule[field], 'string', `${ctx} ${field}`);
  }
  assert.match(rule.AcrId, ACR_ID, `${ctx} AcrId format`);
  for (const field of ['AclId', 'Direction', 'Policy', 'IpProtocol', 'SourceCidr', 'SourcePortRange', 'DestCidr', 'DestPortRange']) {
    if (sent[field] !== undefined) {
      assert.equal(rule[field], sent[field], `${ctx}: ${field} echoed exactly as sent`);
    }
  }
  expect.type(rule.Priority, 'number', `${ctx} Priority (Integer)`);
  assert.equal(rule.Priority, sent.Priority === undefined ? 1 : Number(sent.Priority), `${ctx}: Priority (default 1)`);
  expect.type(rule.GmtCreate, 'number', `${ctx} GmtCreate (Long, ms)`);
  assert.ok(Number.isInteger(rule.GmtCreate), `${ctx}: GmtCreate is whole milliseconds`);
  if (withType || 'Type' in rule) {
    expect.type(rule.Type, 'string', `${ctx} Type`);
    assert.equal(rule.Type, sent.Type === undefined ? 'LAN' : sent.Type, `${ctx}: Type (default LAN)`);
  }
  if ('AclType' in rule) {
    // DescribeACLAttribute's items carry their ACL's type (S1 HEAD's DescribeACLAttributeResponseBodyAcrsAcr.AclType).
    assert.match(rule.AclType, /^acl-(hardware|software)$/, `${ctx}: AclType`);
  }
  optionalString(rule, 'Name', sent.Name, where);
  optionalString(rule, 'Description', sent.Description, where);
  optionalWrappedStrings(rule, 'DpiGroupIds', 'DpiGroupId', sent.DpiGroupIds, where);
  optionalWrappedStrings(rule, 'DpiSignatureIds', 'DpiSignatureId', sent.DpiSignatureIds, where);
  return rule;
}

/** GmtCreate is the server's clock at creation: this machine's clock, give or take a minute. */
function assertCreatedBetween(rule, before, after, where) {
  assert.ok(rule.GmtCreate >= before - 60000 && rule.GmtCreate <= after + 60000, `${where}: GmtCreate ${rule.GmtCreate} is not between ${before} and ${after} (ms)`);
}

/**
 * An ACL of DescribeACLs (DescribeACLsResponseBodyAclsAcl): AclId, Name, AclType, ResourceGroupId String;
 * SagCount a String although the docs print a number (spec §1.0 "Type fidelity").
 */
function assertAcl(acl, expected, where) {
  const ctx = `${where}: ${JSON.stringify(acl)}`;
  expect.type(acl.AclId, 'string', `${ctx} AclId`);
  assert.match(acl.AclId, ACL_ID, `${ctx} AclId format`);
  expect.type(acl.Name, 'string', `${ctx} Name`);
  expect.type(acl.AclType, 'string', `${ctx} AclType`);
  expect.type(acl.SagCount, 'string', `${ctx} SagCount (String)`);
  assert.match(acl.SagCount, /^[0-9]+$/, `${ctx} SagCount is a count`);
  for (const [field, value] of Object.entries(expected)) {
    if (field === 'ResourceGroupId') {
      optionalString(acl, field, value === '' ? undefined : value, where);
    } else {
      assert.equal(acl[field], value, `${ctx}: ${field}`);
    }
  }
  return acl;
}

/** CreateACL (CreateACLResponseBody: RequestId, AclId, AclType, ResourceGroupId, all String). */
async function createAcl(client, region, { name, aclType, resourceGroupId } = {}) {
  const params = { RegionId: region, Name: name ?? `acl_${Math.random().toString(36).slice(2, 10)}` };
  if (aclType !== undefined) {
    params.AclType = aclType;
  }
  if (resourceGroupId !== undefined) {
    params.ResourceGroupId = resourceGroupId;
  }
  const where = `CreateACL via ${client.name}`;
  const body = expect.success(await client.call('CreateACL', params), where);
  expect.type(body.AclId, 'string', `${where} AclId`);
  assert.match(body.AclId, ACL_ID, `${where}: AclId format in ${JSON.stringify(body)}`);
  assert.equal(body.AclType, aclType ?? 'acl-hardware', `${where}: AclType (default acl-hardware) in ${JSON.stringify(body)}`);
  optionalString(body, 'ResourceGroupId', resourceGroupId, where);
  const extra = Object.keys(body).filter((k) => !['RequestId', 'AclId', 'AclType', 'ResourceGroupId'].includes(k));
  assert.deepEqual(extra, [], `${where}: fields outside CreateACLResponseBody: ${JSON.stringify(body)}`);
  return { id: body.AclId, name: params.Name, aclType: body.AclType, resourceGroupId: resourceGroupId ?? '', body };
}

/** DescribeACLs (DescribeACLsResponseBody: TotalCount, PageNumber, PageSize Integer; Acls.Acl[]). */
async function describeAcls(client, region, extra = {}) {
  const where = `DescribeACLs via ${client.name}`;
  const body = expect.success(await client.call('DescribeACLs', { RegionId: region, ...extra }), where);
  for (const field of ['TotalCount', 'PageNumber', 'PageSize']) {
    expect.type(body[field], 'number', `${where} ${field} (Integer) in ${JSON.stringify(body)}`);
  }
  const acls = expect.wrappedList(body, 'Acls', 'Acl', where);
  return { body, acls };
}

async function findAcl(client, region, aclId) {
  const { acls } = await describeAcls(client, region, { AclIds: aclId });
  return acls.find((a) => a.AclId === aclId);
}

/** AddACLRule with BASE_RULE under `fields`; returns the answered rule, checked against what was sent. */
async function addRule(client, region, aclId, fields = {}) {
  const sent = { ...BASE_RULE, ...fields, AclId: aclId };
  const before = Date.now();
  const where = `AddACLRule via ${client.name}`;
  const body = expect.success(await client.call('AddACLRule', { RegionId: region, ...sent }), where);
  assertRule(body, sent, where);
  assertCreatedBetween(body, before, Date.now(), where);
  return { rule: body, sent };
}

/** DescribeACLAttribute (DescribeACLAttributeResponseBody: TotalCount, PageNumber, PageSize Integer; Acrs.Acr[]). */
async function listRules(client, region, aclId, extra = {}) {
  const where = `DescribeACLAttribute via ${client.name}`;
  const body = expect.success(await client.call('DescribeACLAttribute', { RegionId: region, AclId: aclId, ...extra }), where);
  for (const field of ['TotalCount', 'PageNumber', 'PageSize']) {
    expect.type(body[field], 'number', `${where} ${field} (Integer) in ${JSON.stringify(body)}`);
  }
  const acrs = expect.wrappedList(body, 'Acrs', 'Acr', where);
  return { body, acrs };
}

/** The fields of a rule that a later read must return unchanged (everything but RequestId). */
function ruleFields(rule) {
  const { RequestId, ...rest } = rule;
  return rest;
}

/**
 * Runs `fn(track)` and then deletes every ACL passed to `track(region, aclId)`, also when `fn` failed: the store
 * keeps at most 10 ACLs and every scenario shares one server.
 */
async function withAcls(ctx, fn) {
  const made = [];
  const track = (region, aclId) => {
    made.push({ region, aclId });
    return aclId;
  };
  try {
    return await fn(track);
  } finally {
    for (const { region, aclId } of made) {
      try {
        await ctx.pop.call('DeleteACL', { RegionId: region, AclId: aclId });
      } catch {
        // Already deleted by the scenario itself.
      }
    }
  }
}

module.exports = {
  ACL_ID,
  ACR_ID,
  ERR,
  BASE_RULE,
  unknownAclId,
  unknownAcrId,
  optionalString,
  assertRule,
  assertCreatedBetween,
  assertAcl,
  createAcl,
  describeAcls,
  findAcl,
  addRule,
  listRules,
  ruleFields,
  withAcls,
};
