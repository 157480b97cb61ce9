// Starts an awsim of its own for one test file and gives the clients what they
// need to reach it. The binary comes from $AWSIM_BIN (ctest sets it).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const ACCOUNT = '123456789012';
export const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

export async function startAwsim(args = []) {
  const bin = process.env.AWSIM_BIN;
  if (!bin) throw new Error('AWSIM_BIN is not set (the path of the awsim binary)');
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--seed', '7', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`awsim exited with ${code} before listening`)));
    lines.once('line', (line) => {
      const m = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected first line from awsim: ${line}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    port,
    endpoint,
    // Client configuration: no retries unless a test asks for them.
    config(extra = {}) {
      return { endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1, ...extra };
    },
    async admin(path, { method = 'GET', body, headers = {} } = {}) {
      const res = await fetch(`${endpoint}/_awsim${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, json, text };
    },
    async faults(plan) {
      const r = await this.admin('/faults', { method: 'PUT', body: plan });
      if (r.status !== 200) throw new Error(`fault plan refused: ${r.text}`);
      return r.json;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return done;
    },
  };
}

// Expect fn to reject with an error whose name is `name`; returns the error.
export async function rejectsWith(fn, name, status) {
  try {
    await fn();
  } catch (e) {
    if (e.name !== name) throw new Error(`expected ${name}, got ${e.name}: ${e.message}`);
    if (status !== undefined && e.$metadata?.httpStatusCode !== status)
      throw new Error(`expected HTTP ${status} for ${name}, got ${e.$metadata?.httpStatusCode}`);
    return e;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}

export async function collect(paginator, key) {
  const items = [];
  let pages = 0;
  for await (const page of paginator) {
    pages++;
    items.push(...(page[key] ?? []));
  }
  return { items, pages };
}
