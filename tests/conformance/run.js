#!/usr/bin/env node
'use strict';

// Runs one conformance scenario against a running OpenSAG server through the official SDK clients.
//
//   OPENSAG_ENDPOINT=http://127.0.0.1:PORT OPENSAG_ACCESS_KEY_ID=… OPENSAG_ACCESS_KEY_SECRET=… node run.js <scenario>
//   node run.js --list        scenario names, one a line
//   node run.js --all         every scenario in turn (for a person at a terminal)
//
// Exit codes: 0 passed, 1 failed, 2 usage or environment error.

const path = require('node:path');

const { allClients } = require('./lib/clients');

const SCENARIO_FILES = [
  'instances',
  'users',
  'dns',
  'sessions',
  'statistics',
  'protocol',
  'acls',
  'acl-rules',
  'acl-instances',
  'terraform',
  'software',
  'enterprise-codes',
  'client-token',
  'regions',
];
// One scenario does a few dozen requests on loopback; this bound only catches a hung server.
const SCENARIO_TIMEOUT_MS = Number(process.env.OPENSAG_SCENARIO_TIMEOUT_MS || 45000);

function loadScenarios() {
  const scenarios = new Map();
  for (const file of SCENARIO_FILES) {
    const exported = require(path.join(__dirname, 'scenarios', `${file}.js`));
    for (const [name, fn] of Object.entries(exported)) {
      if (scenarios.has(name)) {
        throw new Error(`scenario ${name} is defined twice`);
      }
      scenarios.set(name, fn);
    }
  }
  return scenarios;
}

function readEnv() {
  const endpoint = process.env.OPENSAG_ENDPOINT;
  const accessKeyId = process.env.OPENSAG_ACCESS_KEY_ID;
  const accessKeySecret = process.env.OPENSAG_ACCESS_KEY_SECRET;
  const missing = [
    ['OPENSAG_ENDPOINT', endpoint],
    ['OPENSAG_ACCESS_KEY_ID', accessKeyId],
    ['OPENSAG_ACCESS_KEY_SECRET', accessKeySecret],
  ].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0) {
    throw new UsageError(`missing environment: ${missing.join(', ')} (e.g. OPENSAG_ENDPOINT=http://127.0.0.1:8080)`);
  }
  if (!/^http:\/\/[^/]+\/?$/.test(endpoint)) {
    throw new UsageError(`OPENSAG_ENDPOINT must look like http://127.0.0.1:PORT, got ${endpoint}`);
  }
  return { endpoint: endpoint.replace(/\/$/, ''), accessKeyId, accessKeySecret };
}

class UsageError extends Error {}

function makeContext(env) {
  const clients = allClients(env);
  const steps = [];
  return {
    env,
    clients,
    pop: clients[0],
    popPost: clients[1],
    v3: clients[2],
    v2: clients[3],
    steps,
    /** Names a step so a failure says where it happened. */
    async step(name, fn) {
      steps.push(name);
      try {
        return await fn();
      } catch (err) {
        if (err && !err.stepAnnotated) {
          err.message = `step "${name}": ${err.message}`;
          err.stepAnnotated = true;
        }
        throw err;
      }
    },
  };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runOne(name, fn, env) {
  const ctx = makeContext(env);
  const started = Date.now();
  try {
    await withTimeout(Promise.resolve().then(() => fn(ctx)), SCENARIO_TIMEOUT_MS, `scenario ${name}`);
    console.log(`PASS ${name} (${ctx.steps.length} steps, ${Date.now() - started} ms)`);
    return true;
  } catch (err) {
    console.error(`FAIL ${name} after ${Date.now() - started} ms`);
    console.error(`  steps run: ${ctx.steps.join(' → ') || '(none)'}`);
    console.error(`  ${err && err.stack ? err.stack : String(err)}`);
    if (err && err.cause && err.cause.stack) {
      console.error(`  caused by: ${err.cause.stack}`);
    }
    return false;
  }
}

async function main(argv) {
  const scenarios = loadScenarios();
  const arg = argv[0];
  if (arg === '--list') {
    for (const name of scenarios.keys()) {
      console.log(name);
    }
    return 0;
  }
  if (!arg || arg === '--help' || arg === '-h') {
    console.error('usage: node run.js <scenario> | --list | --all');
    return 2;
  }
  const env = readEnv();
  if (arg === '--all') {
    let failed = 0;
    for (const [name, fn] of scenarios) {
      if (!(await runOne(name, fn, env))) {
        failed++;
      }
    }
    console.log(`${scenarios.size - failed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  }
  const fn = scenarios.get(arg);
  if (!fn) {
    throw new UsageError(`unknown scenario "${arg}"; known: ${[...scenarios.keys()].join(', ')}`);
  }
  return (await runOne(arg, fn, env)) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof UsageError ? `run.js: ${err.message}` : (err && err.stack) || String(err));
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
