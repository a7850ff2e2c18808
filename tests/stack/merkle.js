// RFC 6962 Merkle tree hashes for the stack's logs (Rekor v1 and v2). Leaves are append-only,
// so the hash of a complete subtree (a power-of-two span) never changes once its last leaf is
// in: it is kept, as a real log keeps its tree's nodes, and a root or an audit path costs
// O(log n) hashes instead of rehashing the whole tree for every entry.
'use strict';
const crypto = require('node:crypto');

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (data) => sha256(Buffer.from([0]), data);
const splitPoint = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; }; // largest 2^i < n
const isPowerOfTwo = (n) => (n & (n - 1)) === 0;

// Complete subtrees per leaves array, keyed by "from,to".
const complete = new WeakMap();

function treeHash(leaves, from = 0, to = leaves.length) {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return leaves[from];
  let memo = complete.get(leaves);
  if (!memo) complete.set(leaves, (memo = new Map()));
  const key = `${from},${to}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const k = splitPoint(n);
  const h = sha256(Buffer.from([1]), treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
  if (isPowerOfTwo(n) && to <= leaves.length) memo.set(key, h);
  return h;
}

// The audit path of leaf `index` (relative to `from`) in the tree of leaves [from, to).
function auditPath(index, leaves, from = 0, to = leaves.length) {
  const n = to - from;
  if (n <= 1) return [];
  const k = splitPoint(n);
  return index < k
    ? [...auditPath(index, leaves, from, from + k), treeHash(leaves, from + k, to)]
    : [...auditPath(index - k, leaves, from + k, to), treeHash(leaves, from, from + k)];
}

module.exports = { sha256, leafHash, splitPoint, treeHash, auditPath };
