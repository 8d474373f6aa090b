#!/usr/bin/env node
/**
 * grpc-health asks grpc.health.v1.Health/Check (the whole server, service
 * "") at every address each host:port resolves to, and exits 0 only when
 * every one answers SERVING. With a headless Kubernetes Service the name
 * resolves to every ready pod, so one call checks them all.
 *
 *   node scripts/grpc-health.js users:50051 catalog:50051 ...
 *
 * It needs nothing but Node (plain node:http2, hand-framed gRPC), so
 * scripts/blue-green.sh pipes it into `node -` inside a running shopmesh
 * container, which has no grpcurl and no npm packages besides its own.
 */
'use strict';
const dns = require('node:dns/promises');
const http2 = require('node:http2');
const net = require('node:net');

const TIMEOUT_MS = Number(process.env.GRPC_HEALTH_TIMEOUT_MS || 3000);
const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** check calls Health/Check once on ip:port and resolves to the status name (or a failure). */
function check(ip, port) {
  return new Promise((resolve) => {
    const host = net.isIPv6(ip) ? `[${ip}]` : ip;
    const session = http2.connect(`http://${host}:${port}`);
    const done = (result) => {
      clearTimeout(timer);
      session.close();
      session.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('TIMEOUT'), TIMEOUT_MS);
    session.on('error', (err) => done(`UNREACHABLE (${err.code ?? err.message})`));
    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks = [];
    let headerStatus;
    req.on('response', (headers) => {
      headerStatus = headers['grpc-status'];
    });
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('error', (err) => done(`FAILED (${err.code ?? err.message})`));
    req.on('trailers', (trailers) => {
      const grpcStatus = trailers['grpc-status'] ?? headerStatus;
      if (grpcStatus !== undefined && grpcStatus !== '0') return done(`GRPC_STATUS_${grpcStatus}`);
      const body = Buffer.concat(chunks);
      // One length-prefixed message: HealthCheckResponse { ServingStatus status = 1; }.
      const message = body.subarray(5);
      const status = message.length >= 2 && message[0] === 0x08 ? message[1] : 0;
      done(STATUS[status] ?? `STATUS_${status}`);
    });
    req.on('end', () => {
      if (chunks.length === 0 && headerStatus !== undefined && headerStatus !== '0') done(`GRPC_STATUS_${headerStatus}`);
    });
    // An empty HealthCheckRequest: not compressed, length 0.
    req.end(Buffer.alloc(5));
  });
}

async function main(targets) {
  if (targets.length === 0) {
    process.stderr.write('usage: node grpc-health.js host:port [host:port ...]\n');
    return 2;
  }
  let healthy = true;
  for (const target of targets) {
    const at = target.lastIndexOf(':');
    const name = target.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(target.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port)) {
      process.stdout.write(`${target}: not host:port\n`);
      healthy = false;
      continue;
    }
    let addresses;
    try {
      addresses = net.isIP(name) ? [name] : (await dns.lookup(name, { all: true })).map((a) => a.address);
    } catch (err) {
      process.stdout.write(`${target}: does not resolve (${err.code ?? err.message})\n`);
      healthy = false;
      continue;
    }
    for (const ip of addresses) {
      const status = await check(ip, port);
      process.stdout.write(`${target} ${ip}: ${status}\n`);
      if (status !== 'SERVING') healthy = false;
    }
  }
  return healthy ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
