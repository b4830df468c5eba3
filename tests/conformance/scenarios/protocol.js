'use strict';

// Protocol cases (spec/smartag-api.md §2, §4; DESIGN.md §2): XML responses, signature failures,
// replayed nonces, expired timestamps, unknown keys and actions, and awkward parameter values.
// Cases that need control over Format, Timestamp or SignatureNonce use lib/raw.js, a signer written
// from §2.2 and checked below against the reference's worked examples.

const assert = require('node:assert/strict');

const { allClients } = require('../lib/clients');
const expect = require('../lib/expect');
const fx = require('../lib/fixtures');
const raw = require('../lib/raw');
const { XML_DECLARATION, xmlText, assertXmlError, jsonOf, assertJsonError } = require('../lib/wire');

function minutesFromNow(minutes) {
  return raw.timestamp(new Date(Date.now() + minutes * 60 * 1000));
}

module.exports = {
  async 'protocol-raw-signing'(ctx) {
    await ctx.step('the raw signer reproduces the reference examples (§2.3)', async () => {
      const kick = {
        Action: 'KickOutClients',
        Format: 'JSON',
        Version: '2018-03-13',
        AccessKeyId: 'testid',
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
        Timestamp: '2024-01-01T00:00:00Z',
        RegionId: 'cn-shanghai',
        SmartAGId: 'sag-ehjfb1234',
        Username: 'doctest',
      };
      assert.equal(raw.sign('GET', kick, 'testsecret'), 'Nnd8wRHCoBGCg1tJ21Whb9RiwwM=');
      assert.equal(raw.sign('POST', kick, 'testsecret'), 'OXA2rNyT5dq1Vgk+DTsh3lTpFLc=');
      const ecs = {
        Timestamp: '2016-02-23T12:46:24Z',
        Format: 'XML',
        AccessKeyId: 'testid',
        Action: 'DescribeRegions',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
        Version: '2014-05-26',
        SignatureVersion: '1.0',
      };
      assert.equal(raw.sign('GET', ecs, 'testsecret'), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    });

    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));

    for (const method of ['GET', 'POST']) {
      await ctx.step(`raw ${method} in JSON`, async () => {
        const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }, { method });
        assert.equal(res.status, 200, `HTTP status, body ${res.body}`);
        assert.match(String(res.headers['content-type']), /json/i, 'content-type of a JSON answer');
        const body = expect.success(jsonOf(res, method), method);
        assert.equal(body.SmartAGId, id);
      });
    }

    await ctx.step('Format=json (lower case, as openapi-client v2 sends it) answers JSON', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }, { common: { Format: 'json' } });
      assert.equal(res.status, 200, res.body);
      expect.success(jsonOf(res, 'Format=json'), 'Format=json');
    });

    await ctx.step('unsorted parameters with lower-case percent escapes (older SDKs) verify', async () => {
      // The server must decode and re-encode canonically (§2.2), whatever the wire encoding was.
      const flat = raw.signedParams('DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }, {
        accessKeyId: ctx.env.accessKeyId,
        accessKeySecret: ctx.env.accessKeySecret,
      });
      const query = Object.keys(flat)
        .reverse()
        .map((k) => `${k}=${raw.percentEncode(flat[k]).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`)
        .join('&');
      assert.match(query, /%3a/, 'the timestamp colons are sent as %3a');
      const res = await new Promise((resolve, reject) => {
        const url = new URL(ctx.env.endpoint);
        const req = require('node:http').get({ host: url.hostname, port: url.port, path: `/?${query}`, agent: false, timeout: 15000 }, (r) => {
          const chunks = [];
          r.on('data', (c) => chunks.push(c));
          r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(expect.success(jsonOf(res, 'lower-case escapes'), 'lower-case escapes').SmartAGId, id);
    });
  },

  async 'protocol-xml'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createReadyInstance(ctx.pop, region, { cidr: '10.120.0.0/24' }));
    const { userName } = await ctx.step('create user', () => fx.createUser(ctx.pop, region, id));

    for (const [method, format] of [['GET', 'XML'], ['POST', 'XML'], ['GET', 'xml']]) {
      await ctx.step(`KickOutClients ${method} Format=${format}`, async () => {
        const res = await raw.signedRequest(ctx.env, 'KickOutClients', { RegionId: region, SmartAGId: id, Username: userName }, { method, common: { Format: format } });
        assert.equal(res.status, 200, `HTTP status, body ${res.body}`);
        assert.match(String(res.headers['content-type']), /xml/i, 'content-type of an XML answer');
        // spec/KickOutClients.md: the root is the action name and RequestId its only child.
        const body = res.body.replace(XML_DECLARATION, '');
        assert.match(body, /^<KickOutClients>\s*<RequestId>[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}<\/RequestId>\s*<\/KickOutClients>\s*$/, `XML body: ${res.body}`);
      });
    }

    await ctx.step('pop-core cannot parse XML itself (why XML is tested raw)', async () => {
      // pop-core JSON.parses every body; asking it for XML ends in a SyntaxError, never in a result.
      await assert.rejects(
        ctx.pop.call('KickOutClients', { RegionId: region, SmartAGId: id, Username: userName, Format: 'XML' }),
        (err) => /SyntaxError|Unexpected|JSON/i.test(String(err.message)),
      );
    });

    await ctx.step('XML error: missing Username', async () => {
      const res = await raw.signedRequest(ctx.env, 'KickOutClients', { RegionId: region, SmartAGId: id }, { common: { Format: 'XML' } });
      const body = assertXmlError(res, 'ClientUser.NameEmpty', 400, 'missing Username');
      assert.equal(xmlText(body, 'Message'), 'You must specify UserName.');
    });

    await ctx.step('XML error: unknown instance', async () => {
      const res = await raw.signedRequest(ctx.env, 'KickOutClients', { RegionId: region, SmartAGId: `sag-${fx.randomToken(20)}`, Username: userName }, { method: 'POST', common: { Format: 'XML' } });
      const body = assertXmlError(res, 'SAG.InstanceNoFound', 400, 'unknown instance');
      assert.equal(xmlText(body, 'Message'), 'The specified DB instance does not exist.');
    });

    await ctx.step('XML list: DescribeSmartAccessGatewayClientUsers', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayClientUsers', { RegionId: region, SmartAGId: id }, { common: { Format: 'XML' } });
      assert.equal(res.status, 200, res.body);
      const body = res.body.replace(XML_DECLARATION, '');
      assert.match(body, /^<DescribeSmartAccessGatewayClientUsers>[\s\S]*<\/DescribeSmartAccessGatewayClientUsers>\s*$/, `root element: ${res.body}`);
      assert.match(body, /<Users>\s*<User>[\s\S]*<\/User>\s*<\/Users>/, `list as <Users><User>: ${res.body}`);
      assert.equal(xmlText(body, 'TotalCount'), '1');
      assert.equal(xmlText(body, 'UserName'), userName);
      assert.match(String(xmlText(body, 'RequestId')), expect.REQUEST_ID);
    });

    await ctx.step('XML error from the authentication layer: wrong secret', async () => {
      const res = await raw.signedRequest(ctx.env, 'KickOutClients', { RegionId: region, SmartAGId: id, Username: userName }, { accessKeySecret: 'not-the-secret', common: { Format: 'XML' } });
      assertXmlError(res, 'SignatureDoesNotMatch', 400, 'wrong secret');
    });
  },

  async 'protocol-nonce-replay'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));
    const nonce = raw.nonce();
    const params = { RegionId: region, SmartAGId: id };
    const keys = { accessKeyId: ctx.env.accessKeyId, accessKeySecret: ctx.env.accessKeySecret };

    const signed = raw.signedParams('DescribeSmartAccessGatewayAttribute', params, { ...keys, common: { SignatureNonce: nonce } });
    await ctx.step('first use of the nonce succeeds', async () => {
      const res = await raw.send(ctx.env.endpoint, signed);
      assert.equal(res.status, 200, res.body);
      expect.success(jsonOf(res, 'first'), 'first');
    });
    await ctx.step('the identical request again is a replay', async () => {
      const res = await raw.send(ctx.env.endpoint, signed);
      const body = assertJsonError(res, 'SignatureNonceUsed', 400, 'replay');
      assert.equal(body.Message, 'Specified signature nonce was used already.');
    });
    await ctx.step('a fresh timestamp and signature do not make the nonce new', async () => {
      const again = raw.signedParams('DescribeSmartAccessGatewayAttribute', params, { ...keys, common: { SignatureNonce: nonce, Timestamp: minutesFromNow(-1) } });
      const res = await raw.send(ctx.env.endpoint, again);
      assertJsonError(res, 'SignatureNonceUsed', 400, 'replay with a new timestamp');
    });
    await ctx.step('nor does POST instead of GET', async () => {
      const again = raw.signedParams('DescribeSmartAccessGatewayAttribute', params, { ...keys, method: 'POST', common: { SignatureNonce: nonce } });
      const res = await raw.send(ctx.env.endpoint, again, 'POST');
      assertJsonError(res, 'SignatureNonceUsed', 400, 'replay as POST');
    });
    await ctx.step('a new nonce works', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', params);
      assert.equal(res.status, 200, res.body);
    });
  },

  async 'protocol-expired-timestamp'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));
    const params = { RegionId: region, SmartAGId: id };
    for (const minutes of [-20, 20]) {
      for (const method of ['GET', 'POST']) {
        await ctx.step(`Timestamp ${minutes} minutes from now via ${method}`, async () => {
          const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', params, { method, common: { Timestamp: minutesFromNow(minutes) } });
          const body = assertJsonError(res, 'InvalidTimeStamp.Expired', 400, `timestamp ${minutes} min`);
          assert.equal(body.Message, 'Specified time stamp or date value is expired.');
        });
      }
    }
    await ctx.step('5 minutes old is inside the 15-minute window', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', params, { common: { Timestamp: minutesFromNow(-5) } });
      assert.equal(res.status, 200, res.body);
    });
    await ctx.step('an unparsable Timestamp', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', params, { common: { Timestamp: 'yesterday' } });
      assertJsonError(res, 'InvalidTimeStamp.Format', 400, 'unparsable timestamp');
    });
  },

  async 'protocol-wrong-secret'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));
    for (const client of allClients(ctx.env, { accessKeySecret: `${ctx.env.accessKeySecret}-wrong` })) {
      await ctx.step(`wrong secret via ${client.name}`, async () => {
        const err = await client.fail('DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id });
        expect.apiError(err, { code: 'SignatureDoesNotMatch', status: 400, message: /^Specified signature is not matched with our calculation\./ });
      });
    }
  },

  async 'protocol-unknown-access-key'(ctx) {
    for (const client of allClients(ctx.env, { accessKeyId: `LTAI${fx.randomToken(20)}` })) {
      await ctx.step(`unknown AccessKeyId via ${client.name}`, async () => {
        const err = await client.fail('DescribeSmartAccessGateways', { RegionId: 'cn-shanghai' });
        expect.apiError(err, { code: 'InvalidAccessKeyId.NotFound', status: 404, message: 'Specified access key is not found.' });
      });
    }
  },

  async 'protocol-unknown-action'(ctx) {
    for (const client of ctx.clients) {
      for (const action of ['DescribeUserOnlineBranchStatistics', 'ResetSmartAccessGatewayClientUser']) {
        await ctx.step(`${action} via ${client.name}`, async () => {
          const err = await client.fail(action, { RegionId: 'cn-shanghai' });
          expect.apiError(err, { code: 'InvalidAction.NotFound', status: 404, message: 'Specified api is not found, please check your url and method.' });
        });
      }
    }
  },

  async 'protocol-missing-parameters'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));
    for (const client of ctx.clients) {
      await ctx.step(`no RegionId via ${client.name}`, async () => {
        // DESIGN.md §2: a missing RegionId where required is 400 MissingRegionId.
        const err = await client.fail('KickOutClients', { SmartAGId: id, Username: 'doctest' });
        expect.apiError(err, { code: 'MissingRegionId', status: 400, message: 'RegionId is mandatory for this action.' });
      });
      await ctx.step(`no SmartAGId via ${client.name}`, async () => {
        // §1.2: DescribeSmartAccessGatewayClientUsers without an instance id.
        const err = await client.fail('DescribeSmartAccessGatewayClientUsers', { RegionId: region });
        expect.apiError(err, { code: 'SAG.InstanceIdEmpty', status: 400, message: 'You must specify the SAG instance ID.' });
      });
    }
    await ctx.step('a Version other than 2018-03-13', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }, { common: { Version: '2017-01-01' } });
      assertJsonError(res, 'InvalidVersion', 400, 'Version 2017-01-01');
    });
    await ctx.step('a Format other than JSON or XML', async () => {
      const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }, { common: { Format: 'YAML' } });
      assertJsonError(res, 'InvalidParameter.Format', 400, 'Format YAML');
    });
  },

  async 'protocol-special-characters'(ctx) {
    const region = fx.uniqueRegion();
    const id = await ctx.step('create instance', () => fx.createInstance(ctx.pop, region));
    // Names allow letters (any script), digits and . _ -; descriptions anything that starts with a letter.
    const values = [
      { Name: 'Büro-Ost_2.中文', Description: 'Büro Ost 2 + 3 * ~ "quoted" 中文' },
      { Name: '中文名称-1', Description: "Ünïcödé & a=b; c%20d / e? 'single' (paren) !bang #hash" },
      { Name: 'Ørsted.x_y', Description: 'Spaces  twice, tab-free, plus+plus, star*star, tilde~tilde, 😀 emoji' },
      { Name: 'naïve-café', Description: 'Angle <b>brackets</b> & ampersands &amp; percent %41 %zz' },
    ];
    for (const [i, writer] of ctx.clients.entries()) {
      const value = values[i];
      await ctx.step(`write via ${writer.name}`, async () => {
        expect.success(await writer.call('ModifySmartAccessGateway', { RegionId: region, SmartAGId: id, ...value }), 'ModifySmartAccessGateway');
      });
      for (const reader of ctx.clients) {
        await ctx.step(`read via ${reader.name} what ${writer.name} wrote`, async () => {
          const body = expect.success(await reader.call('DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }), 'DescribeSmartAccessGatewayAttribute');
          assert.equal(body.Name, value.Name, `Name written by ${writer.name}, read by ${reader.name}`);
          assert.equal(body.Description, value.Description, `Description written by ${writer.name}, read by ${reader.name}`);
        });
      }
      await ctx.step(`read in XML what ${writer.name} wrote`, async () => {
        const res = await raw.signedRequest(ctx.env, 'DescribeSmartAccessGatewayAttribute', { RegionId: region, SmartAGId: id }, { common: { Format: 'XML' } });
        assert.equal(res.status, 200, res.body);
        assert.equal(xmlText(res.body, 'Name'), value.Name, `XML Name in ${res.body}`);
        assert.equal(xmlText(res.body, 'Description'), value.Description, `XML Description in ${res.body}`);
      });
    }
    await ctx.step('the list filter by Name matches the non-ASCII name', async () => {
      const body = expect.success(await ctx.v3.call('DescribeSmartAccessGateways', { RegionId: region, Name: values[3].Name }), 'DescribeSmartAccessGateways');
      const items = expect.wrappedList(body, 'SmartAccessGateways', 'SmartAccessGateway', 'DescribeSmartAccessGateways');
      assert.deepEqual(items.map((x) => x.SmartAGId), [id]);
    });
  },
};
